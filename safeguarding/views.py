"""The safeguarding contact's page: children not brought to appointments in the listed specialties."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from appointments.models import child_age_under
from audit.services import audit_patient_view
from safeguarding.forms import ReviewNoteForm
from safeguarding.models import SafeguardingEntry
from safeguarding.presenters import REVIEW_PERMISSION, EntryPresenter, named_contacts
from safeguarding.selectors import safeguarding_list, safeguarding_specialty_codes
from safeguarding.services import AlreadyReviewed, safeguarding_entry_mark_reviewed

PAGE_SIZE = 200


@role_required(REVIEW_PERMISSION)
def safeguarding_start(request: HttpRequest) -> HttpResponse:
    show = "reviewed" if request.GET.get("show") == "reviewed" else "to_review"
    entries = [EntryPresenter(entry) for entry in safeguarding_list(show=show)[:PAGE_SIZE]]
    for row in entries:
        row.note_form = None if row.entry.reviewed_at else ReviewNoteForm(entry_id=row.entry.pk)
    # The page shows each child's identifiable details: the trail records each one seen, once.
    for patient in {p.entry.patient_id: p.entry.patient for p in entries}.values():
        audit_patient_view(request, patient, summary="Safeguarding list")
    context = {
        "entries": entries,
        "show": show,
        "contacts": named_contacts(),
        "specialty_codes": safeguarding_specialty_codes(),
        "to_review_count": SafeguardingEntry.objects.to_review().count(),
        "child_age_under": child_age_under(),
    }
    return render(request, "safeguarding/safeguarding_list.html", context)


@role_required(REVIEW_PERMISSION)
@require_POST
def safeguarding_entry_review(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = SafeguardingEntry.objects.select_related("appointment", "patient").filter(pk=entry_id).first()
    if entry is None:
        raise Http404("No such safeguarding list entry.")
    form = ReviewNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
        return redirect("safeguarding-list")
    note = form.cleaned_data["note"]
    try:
        safeguarding_entry_mark_reviewed(entry=entry, by=request.user, note=note, request=request)
    except AlreadyReviewed:
        messages.info(request, f"{entry.patient.display_name} had already been marked reviewed; that review stands.")
    else:
        messages.success(request, f"{entry.patient.display_name}: marked reviewed.")
    return redirect("safeguarding-list")
