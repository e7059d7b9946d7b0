"""What the safeguarding list reads: the DNAs it should hold, and the list as its contact sees it."""

from __future__ import annotations

from collections.abc import Collection

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import TruncDate

from appointments.models import Appointment
from config.localtime import local_zone
from safeguarding.models import SafeguardingEntry


def safeguarding_specialty_codes() -> list[str]:
    """The treatment function codes whose children's DNAs are listed (ATTEND_SAFEGUARDING_SPECIALTIES)."""
    return list(settings.ATTEND_SAFEGUARDING_SPECIALTIES)


def dnas_to_list(appointment_ids: Collection[int] | None = None) -> QuerySet[Appointment]:
    """Children's DNAs ("was not brought") in a safeguarding specialty that are not on the list
    yet: among `appointment_ids` when given, else among every appointment Attend holds (so an
    extract that arrived with the outcome already recorded is listed too).

    An appointment on or after a child's death (or of a child recorded as deceased with no date)
    is not listed: it is no safeguarding concern, and a call about it would reach a bereaved family."""
    after_death = Q(patient__deceased=True) & (
        Q(patient__date_of_death__isnull=True) | Q(local_day__gte=F("patient__date_of_death"))
    )
    appointments = (
        Appointment.objects.not_brought()
        .filter(specialty__treatment_function_code__in=safeguarding_specialty_codes(), safeguarding_entry__isnull=True)
        .alias(local_day=TruncDate("starts_at", tzinfo=local_zone()))
        .exclude(after_death)
    )
    if appointment_ids is not None:
        appointments = appointments.filter(pk__in=list(appointment_ids))
    return appointments


def safeguarding_list(*, show: str = "to_review") -> QuerySet[SafeguardingEntry]:
    """The list as its page shows it: entries still to review (oldest appointment first, so none
    waits behind newer ones), or the reviewed ones (latest review first)."""
    entries = SafeguardingEntry.objects.select_related(
        "appointment__clinic", "appointment__site", "appointment__specialty", "patient", "reviewed_by"
    )
    if show == "reviewed":
        return entries.reviewed().order_by("-reviewed_at", "-id")
    return entries.to_review().order_by("appointment__starts_at", "id")
