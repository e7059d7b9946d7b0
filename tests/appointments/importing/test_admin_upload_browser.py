"""An admin uploads an extract in a real browser (Debian's Chromium, headless): picks the file,
submits, sees the import finish and the error report offered; the pages pass axe at 1,280
and 390 px."""

import pytest
from django.db import connections

from appointments.importing.models import ImportBatch, ImportStatus
from tests.appointments.importing.extracts import csv_text, row
from tests.calls.test_browser import serious_violations
from tests.conftest import CHROMIUM

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def page(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        connections.close_all()


def test_an_admin_uploads_an_extract_and_sees_it_imported_with_its_error_report(
    page, live_server, admin_user, tmp_path
):
    extract = tmp_path / "extract.csv"
    extract.write_text(csv_text([row(), row(appointment_id="A2", attendance_code="DNA")]))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Upload an extract").first.click()

    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert serious_violations(page) == [], width
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
    page.get_by_label("Extract file").set_input_files(extract)
    page.get_by_role("button", name="Upload and import").click()

    page.get_by_text("Imported").first.wait_for()
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_created, batch.rows_rejected) == (ImportStatus.SUCCEEDED, 1, 1)
    assert serious_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report (CSV)").click()
    assert download.value.suggested_filename == f"import-{batch.pk}-problems.csv"
