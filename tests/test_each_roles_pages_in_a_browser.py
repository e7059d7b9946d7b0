"""Every role's pages in a real browser, with enough data to fill their tables: each page has no
serious or critical axe finding at 1,280 and 390 px, and nothing on it is wider than a 390 px
phone, a 320 px screen (the narrowest WCAG 1.4.10 reflows to) or a 1,280 px laptop.

A role's pages are those its header links to (accounts.context_processors.navigation_for, so
a page added to the navigation later is walked without anyone listing it) and the detail pages
behind them. One signed-in context per role, resized for each width, keeps the walk quick; the
findings of every page are collected, so one run names them all.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.context_processors import navigation_for
from accounts.roles import ADMIN, CALL_HANDLER, DIRECTOR, SAFEGUARDING_LEAD, TEAM_LEAD
from appointments.models import AttendanceCode
from calls.models import BookingRequest, BookingRequestKind
from demo import synthetic
from demo.pilot import run_past_demo_pilot
from demo.trust import load_synthetic_trust
from pilots.models import Pilot
from reminders.models import InboundAction, InboundMessage
from risk.registry import activate_model, register_model
from risk.table import table_from_synthetic
from risk.training import train_model
from safeguarding.services import safeguarding_list_dnas
from tests.support.browser import DESKTOP, PHONE, SMALLEST, browser_page, fits, log_in, serious_violations
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import AppointmentFactory, ClinicFactory, PatientFactory, SpecialtyFactory, make_user
from tests.targets.conftest import specialty_target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def trust(settings):
    """A small synthetic trust with its past pilot, an active risk model trained on it, today's
    calls, patients' replies and booking requests, a child on the safeguarding list, a target and
    the collaborative's data: every table on every page has rows."""
    from django.core.management import call_command

    settings.ATTEND_HUB_ENABLED = True
    today = timezone.localdate()
    demo = synthetic.generate(patients=300, seed=5, today=today)
    load_synthetic_trust(demo)
    run_past_demo_pilot(demo, today=today)
    morning = datetime.combine(today, time(6), tzinfo=synthetic.LONDON)
    result = train_model(table_from_synthetic(demo.appointments), as_of=morning)
    model = activate_model(model=register_model(result=result))
    call_command("seed_collaborative", "--today", (today - timedelta(days=120)).isoformat(), verbosity=0)

    tasks = [CallTaskFactory(priority=0.9 - index / 10) for index in range(4)]
    for task, kind in zip(tasks, (BookingRequestKind.REBOOK, BookingRequestKind.CONTACT), strict=False):
        BookingRequest.objects.create(patient=task.patient, appointment=task.appointment, kind=kind, source="sms")
    for index, body in enumerate(("Can I bring my carer? My bus pass has expired.", "Wrong number, who is this?")):
        InboundMessage.objects.create(
            provider_message_id=f"SM{index}", from_number=tasks[index].patient.mobile,
            from_e164=tasks[index].patient.mobile, patient=tasks[index].patient if index == 0 else None,
            body=body, action=InboundAction.FOR_TEAM_LEAD,
        )  # fmt: skip
    paediatrics = ClinicFactory(specialty=SpecialtyFactory(treatment_function_code="420", name="Paediatric Service"))
    AppointmentFactory(
        patient=PatientFactory(family_name="Brightwater", date_of_birth=date(today.year - 9, 4, 2)),
        clinic=paediatrics, starts_at=timezone.now() - timedelta(days=2),
        attendance_code=AttendanceCode.DID_NOT_ATTEND,
    )  # fmt: skip
    safeguarding_list_dnas()

    users = {
        role: make_user(role, username=name)
        for role, name in (
            (CALL_HANDLER, "handler"), (TEAM_LEAD, "lead"), (DIRECTOR, "director"),
            (SAFEGUARDING_LEAD, "safeguarding"), (ADMIN, "admin"),
        )
    }  # fmt: skip
    target = specialty_target(paediatrics.specialty, users[DIRECTOR])
    pilot = Pilot.objects.order_by("pk").first()
    detail = {
        CALL_HANDLER: ["/calls/search/?q=" + tasks[1].patient.mobile[-4:], "/dashboard/", "/no-such-page/"],
        TEAM_LEAD: [
            "/calls/search/?q=" + tasks[2].patient.mobile,
            "/team/death-conflicts/",
            "/letters/print/",
            "/replies/?all=1",
        ],
        DIRECTOR: [
            f"/dashboard/pilots/{pilot.pk}/",
            f"/models/{model.pk}/",
            f"/models/{model.pk}/live/",
            f"/targets/{target.pk}/",
            "/targets/new/",
            "/collaborative/funnels/",
            "/collaborative/gap-over-time/",
            "/collaborative/pilots/",
            "/collaborative/files/",
        ],
        SAFEGUARDING_LEAD: [],
        ADMIN: ["/admin/appointments/importbatch/upload/"],
    }
    # The admin's header also reaches every report a director sees: walked once, as the director.
    director_pages = {link["url"] for link in navigation_for(users[DIRECTOR])}
    return {
        role: (
            user,
            [link["url"] for link in navigation_for(user) if role is DIRECTOR or link["url"] not in director_pages]
            + detail[role],
        )
        for role, user in users.items()
    }


# Swagger UI's own markup (buttons inside buttons, its method colours) is upstream's to fix; its
# page is checked for width only.
AXE_EXEMPT = {"/api/docs/"}


def _check(page, problems: list[str]) -> None:
    where = page.evaluate("location.pathname + location.search")
    for width in (DESKTOP, PHONE) if where not in AXE_EXEMPT else ():
        page.set_viewport_size({"width": width, "height": 900})
        problems.extend(f"{where} at {width} px: {finding}" for finding in serious_violations(page))
    for width in (DESKTOP, PHONE, SMALLEST):
        if not (fit := fits(page, width)):
            problems.append(repr(fit))


def test_every_roles_pages_pass_axe_at_1280_and_390_px_and_fit_a_320_px_screen(trust, chromium, live_server):
    problems: list[str] = []
    walked = []
    for role, (user, paths) in trust.items():
        with browser_page(chromium, live_server.url) as page:
            log_in(page, user)
            _check(page, problems)  # the role's start page
            seen = {page.evaluate("location.pathname")}
            if role is CALL_HANDLER:
                page.get_by_role("button", name="Call next").click()
                page.wait_for_url("**/calls/*/")
                _check(page, problems)  # the call card
                walked.append(page.url)
            for path in (p for p in paths if p not in seen):
                response = page.goto(path)
                assert response.status in (200, 403, 404), (path, response.status)
                page.wait_for_load_state()
                _check(page, problems)
                walked.append(path)
    assert len(walked) > 25
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
