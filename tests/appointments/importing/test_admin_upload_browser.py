"""An admin uploads an extract in a real browser (Debian's Chromium, headless): picks the file,
submits, sees the import finish and the error report offered; the pages pass axe at 1,280
and 390 px."""

import pytest

from appointments.importing.models import ImportBatch, ImportStatus
from tests.appointments.importing.extracts import csv_text, row
from tests.support.browser import fits, log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_admin_uploads_an_extract_and_sees_it_imported_with_its_error_report(
    page, live_server, admin_user, tmp_path
):
    extract = tmp_path / "extract.csv"
    extract.write_text(csv_text([row(), row(appointment_id="A2", attendance_code="DNA")]))
    log_in(page, admin_user)
    page.get_by_role("link", name="Upload an extract").first.click()

    for width in (1280, 390):
        assert fits(page, width)
        assert serious_violations(page) == [], width
    page.get_by_label("Extract file").set_input_files(extract)
    page.get_by_role("button", name="Upload and import").click()

    page.get_by_text("Imported").first.wait_for()
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows_created, batch.rows_rejected) == (ImportStatus.SUCCEEDED, 1, 1)
    assert serious_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the error report (CSV)").click()
    assert download.value.suggested_filename == f"import-{batch.pk}-problems.csv"
