"""Pages for call handlers (today's list, "Call next", the patient card) and team leads."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.selectors import staff_who_can_take_calls, team_of
from audit.models import AuditAction
from audit.services import audit_patient_view, audit_record
from calls import requests as patient_requests
from calls import selectors, services
from calls.building import team_capacity
from calls.forms import AttemptForm, CapacityForm, PatientSearchForm, PreferredChannelForm, ReassignForm
from calls.models import BookingRequest, CallTask, CallTaskStatus
from calls.presenters import AppointmentPresenter, PatientCardPresenter, nothing_waiting_message
from calls.search import patients_search
from config.spreadsheets import safe_writer
from patients.deaths import death_conflict_settle
from patients.identifiers import national_format
from patients.models import DeathConflict

WORK = "accounts.work_call_list"
LEAD = "accounts.lead_team"


def _team_or_404(request: HttpRequest):
    team = team_of(request.user)
    if team is None:
        raise Http404("You are not in a call-handling team.")
    return team


@role_required(WORK)
def calls_start(request: HttpRequest) -> HttpResponse:
    team = team_of(request.user)
    today = timezone.localdate()
    context = {
        "team": team,
        "today": today,
        "counts": selectors.list_counts(team, today) if team else None,
        "mine": [
            {"task": task, "appointment": AppointmentPresenter(task.appointment)}
            for task in selectors.claimed_by(request.user)
        ],
    }
    return render(request, "calls/calls_start.html", context)


@role_required(WORK)
@require_POST
def call_next(request: HttpRequest) -> HttpResponse:
    try:
        task = services.call_claim_next(handler=request.user)
    except services.WorklistError as exc:
        messages.error(request, str(exc))
        return redirect("calls-start")
    if task is None:
        messages.info(
            request, nothing_waiting_message(selectors.list_counts(team_of(request.user), timezone.localdate()))
        )
        return redirect("calls-start")
    return redirect("call-card", task_id=task.pk)


def _card_task(request: HttpRequest, task_id: int) -> CallTask:
    """The handler holding the call, or a lead of its team, may open its card; nobody else."""
    try:
        return selectors.call_visible_to(request.user, task_id)
    except CallTask.DoesNotExist as exc:
        raise Http404(str(exc)) from None


@role_required(WORK)
def call_card(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = _card_task(request, task_id)
    except Http404:
        if request.method != "POST":
            raise
        # Someone else holds it now (a lead released or reassigned it): say so, show nothing of it.
        messages.error(request, services.StaleClaim.default_message)
        return redirect("calls-start")
    can_record = task.status == CallTaskStatus.CLAIMED and task.claimed_by_id == request.user.pk
    form = AttemptForm(request.POST or None, patient=task.patient)
    error, status = "", 200
    if request.method == "POST":
        if not can_record:
            error, status = services.StaleClaim.default_message, 409
        elif form.is_valid():
            try:
                services.call_attempt_record(
                    task_id=task.pk, handler=request.user, data=form.to_input(), request=request
                )
            except services.AppointmentNoLongerUpcoming as exc:
                task, can_record = selectors.call_for_card(task.pk), False
                error, status = str(exc), 409
            except services.StaleClaim as exc:
                error, status = str(exc), 409
            except services.WorklistError as exc:
                error, status = str(exc), 400
            else:
                messages.success(request, f"Call to {task.patient.display_name} recorded.")
                return redirect("calls-start")
    else:
        audit_patient_view(request, task.patient, summary="Patient card opened")
    if form.errors:
        status = 400
    context = {
        "task": task,
        "card": PatientCardPresenter(task),
        "form": form,
        "can_record": can_record,
        "error": error,
        "channel_form": PreferredChannelForm(initial={"preferred_channel": task.patient.preferred_channel}),
    }
    return render(request, "calls/call_card.html", context, status=status)


@role_required(WORK)
@require_POST
def call_release(request: HttpRequest, task_id: int) -> HttpResponse:
    try:
        task = services.call_release(task_id=task_id, by=request.user)
    except CallTask.DoesNotExist:
        raise Http404("No such call.") from None
    except services.WorklistError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Call to {task.patient.display_name} put back on the list.")
    return redirect("team-start" if request.POST.get("next") == "team" else "calls-start")


@role_required(LEAD)
def team_start(request: HttpRequest) -> HttpResponse:
    team = _team_or_404(request)
    today = timezone.localdate()
    calls = list(selectors.team_day(team, today))
    handlers = staff_who_can_take_calls(team)
    ReassignForm.for_calls(calls, handlers)
    capacity = team_capacity(team, today)
    context = {
        "team": team,
        "today": today,
        "counts": selectors.list_counts(team, today),
        "capacity": capacity,
        "calls": calls,
        "capacity_form": CapacityForm(
            initial={"handlers_on_shift": capacity // max(team.calls_per_handler, 1)},
            calls_per_handler=team.calls_per_handler,
        ),
        "handlers": handlers,
        "do_not_call": list(selectors.do_not_call_of_team(team)),
    }
    return render(request, "calls/team_start.html", context)


@role_required(LEAD)
@require_POST
def team_capacity_set(request: HttpRequest) -> HttpResponse:
    team = _team_or_404(request)
    form = CapacityForm(request.POST)
    if form.is_valid():
        services.capacity_set(
            team=team,
            day=timezone.localdate(),
            handlers_on_shift=form.cleaned_data["handlers_on_shift"],
            by=request.user,
        )
        messages.success(request, "Capacity saved. The next list build uses it.")
    else:
        messages.error(request, "Give the number of call handlers on shift, from 0 to 500.")
    return redirect("team-start")


@role_required(LEAD)
@require_POST
def team_reassign(request: HttpRequest, task_id: int) -> HttpResponse:
    team = _team_or_404(request)
    form = ReassignForm(request.POST, handlers=staff_who_can_take_calls(team))
    if not form.is_valid():
        messages.error(request, "Choose a call handler in your team.")
        return redirect("team-start")
    try:
        task = services.call_reassign(task_id=task_id, to_handler=form.cleaned_data["handler"], by=request.user)
    except CallTask.DoesNotExist:
        raise Http404("No such call.") from None
    except services.WorklistError as exc:
        messages.error(request, str(exc))
    else:
        given_to = task.claimed_by.get_full_name() or task.claimed_by.get_username()
        messages.success(request, f"Call to {task.patient.display_name} given to {given_to}.")
    return redirect("team-start")


@role_required(LEAD)
@require_POST
def team_do_not_call(request: HttpRequest, task_id: int) -> HttpResponse:
    """The lead records that this call's patient asked not to be called: the call closes."""
    try:
        task = selectors.call_visible_to(request.user, task_id)
        recorded = services.call_do_not_call(task_id=task.pk, by=request.user, request=request)
    except CallTask.DoesNotExist:
        raise Http404("No such call.") from None
    except services.WorklistError as exc:
        messages.error(request, str(exc))
    else:
        if recorded:
            messages.success(request, f"{task.patient.display_name} will not be called. Their texts go on.")
        else:
            messages.info(request, f"{task.patient.display_name} had already asked not to be called.")
    return redirect("team-start")


@role_required(LEAD)
@require_POST
def team_preferred_channel(request: HttpRequest, task_id: int) -> HttpResponse:
    """The lead records how this call's patient would like to be reminded (from the card)."""
    form = PreferredChannelForm(request.POST)
    try:
        task = selectors.call_visible_to(request.user, task_id)
        if not form.is_valid():
            raise services.InvalidAttempt("Choose how the patient would like to be reminded from the list.")
        changed = services.call_preferred_channel_set(
            task_id=task.pk, channel=form.cleaned_data["preferred_channel"], by=request.user, request=request
        )
    except CallTask.DoesNotExist:
        raise Http404("No such call.") from None
    except services.WorklistError as exc:
        messages.error(request, str(exc))
    else:
        if changed:
            messages.success(request, f"{task.patient.display_name}'s preferred channel recorded.")
    return redirect("call-card", task_id=task_id)


@role_required(LEAD)
@require_POST
def team_do_not_call_lift(request: HttpRequest, patient_id: int) -> HttpResponse:
    try:
        lifted = services.call_do_not_call_lift(patient_id=patient_id, by=request.user, request=request)
    except services.WorklistError as exc:
        messages.error(request, str(exc))
    else:
        if lifted:
            messages.success(request, "They may be called again: the next list build can call them.")
        else:
            messages.info(request, "That patient had no do not call in force.")
    return redirect("team-start")


@role_required(LEAD)
def booking_requests(request: HttpRequest) -> HttpResponse:
    rows = [
        {"request": r, "appointment": AppointmentPresenter(r.appointment) if r.appointment else None}
        for r in selectors.booking_requests_open(request.user)
    ]
    return render(request, "calls/booking_requests.html", {"rows": rows})


@role_required(LEAD)
@require_POST
def booking_request_done(request: HttpRequest, request_id: int) -> HttpResponse:
    """The booking team has actioned the request in the PAS: it leaves the open list. A lead
    may mark only the requests their list shows (their team's patients)."""
    in_scope = BookingRequest.objects.filter(pk=request_id, patient__in=selectors.patients_in_scope_of(request.user))
    if not in_scope.exists():
        raise Http404("No such booking request.")
    try:
        booking, marked = patient_requests.booking_request_done(request_id=request_id, by=request.user, request=request)
    except BookingRequest.DoesNotExist:
        raise Http404("No such booking request.") from None
    if marked:
        messages.success(request, f"{booking.get_kind_display()} request for {booking.patient.display_name} done.")
    else:
        messages.info(request, "That request had already been marked done.")
    return redirect("booking-requests")


def _death_conflicts_open(user) -> QuerySet[DeathConflict]:
    return DeathConflict.objects.filter(
        resolved_at__isnull=True, patient__in=selectors.patients_in_scope_of(user)
    ).select_related("patient")


@role_required(LEAD)
def death_conflicts(request: HttpRequest) -> HttpResponse:
    """Patients an extract stopped recording as deceased: kept deceased until a lead checks the PAS."""
    conflicts = list(_death_conflicts_open(request.user).order_by("first_seen_at"))
    for conflict in conflicts:
        audit_patient_view(request, conflict.patient, summary="Shown on the death conflicts list")
    return render(request, "calls/death_conflicts.html", {"conflicts": conflicts})


@role_required(LEAD)
@require_POST
def death_conflict_settle_view(request: HttpRequest, conflict_id: int) -> HttpResponse:
    conflict = _death_conflicts_open(request.user).filter(pk=conflict_id).first()
    answer = request.POST.get("answer")
    if conflict is None:
        messages.info(request, "That death conflict is not open (already answered, or not your team's).")
        return redirect("death-conflicts")
    if answer not in ("alive", "deceased"):
        messages.error(request, "Choose one of the two answers. Nothing was changed.")
        return redirect("death-conflicts")
    if death_conflict_settle(conflict=conflict, alive=answer == "alive", by=request.user, request=request):
        messages.success(
            request,
            f"{conflict.patient.display_name}: "
            + ("recorded as alive; texts and calls may restart." if answer == "alive" else "kept as deceased."),
        )
    else:
        messages.info(request, "Someone answered that one first. Nothing was changed.")
    return redirect("death-conflicts")


@role_required(LEAD)
def booking_requests_csv(request: HttpRequest) -> HttpResponse:
    """The booking team's list as CSV; every export is recorded in the audit trail.

    Every cell goes through config.spreadsheets' safe-cell rule, ids and phone numbers
    included: the booking team opens this file in a spreadsheet."""
    rows = list(selectors.booking_requests_open(request.user))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-requests-{timezone.localdate()}.csv"'
    writer = safe_writer(response)
    writer.writerow(
        [
            "requested_at",
            "kind",
            "source",
            "hospital_number",
            "nhs_number",
            "patient",
            "phone",
            "other_phone",
            "appointment_id",
            "clinic",
            "site",
            "appointment_start",
        ]
    )
    for r in rows:
        appointment = r.appointment
        writer.writerow(
            [
                timezone.localtime(r.created_at).isoformat(timespec="minutes"),
                r.kind,
                r.source,
                r.patient.hospital_number,
                r.patient.nhs_number,
                r.patient.display_name,
                r.patient.mobile,
                r.patient.other_phone,
                appointment.pas_id if appointment else "",
                appointment.clinic.name if appointment else "",
                appointment.site.name if appointment else "",
                timezone.localtime(appointment.starts_at).isoformat(timespec="minutes") if appointment else "",
            ]
        )
    audit_record(
        action=AuditAction.EXPORT,
        target_type="calls.bookingrequest",
        request=request,
        summary=f"Booking-team list exported as CSV ({len(rows)} rows)",
    )
    return response


@role_required(WORK)
def patient_search(request: HttpRequest) -> HttpResponse:
    """Find a patient who rings back, among the team's patients; every patient shown is audited."""
    query = request.GET.get("q", "").strip()[:100]
    matches = patients_search(user=request.user, query=query) if query else []
    for match in matches:
        audit_patient_view(request, match.patient, summary="Found by search")
    rows = [
        {"match": match, "phone": ", ".join(national_format(number) for number, _ in match.patient.numbers_to_call),
         "mine": match.open_call is not None and match.open_call.claimed_by_id == request.user.pk}
        for match in matches
    ]  # fmt: skip
    context = {"form": PatientSearchForm(request.GET or None), "query": query, "rows": rows, "searched": bool(query)}
    return render(request, "calls/search.html", context)


@role_required(WORK)
@require_POST
def call_take(request: HttpRequest, task_id: int) -> HttpResponse:
    """Take a patient's waiting call (found by search) and open its card."""
    try:
        task = services.call_take(task_id=task_id, handler=request.user)
    except CallTask.DoesNotExist:
        raise Http404("No such call.") from None
    except services.WorklistError as exc:
        messages.error(request, str(exc))
        return redirect("patient-search")
    return redirect("call-card", task_id=task.pk)
