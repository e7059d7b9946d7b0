"""Finding a patient who rings back: by phone number, NHS number, hospital number or name.

A call handler or team lead finds only patients on their own team's call lists (a patient
the team has been asked to call, or has called). What was typed decides what is matched:

- 10 digits that pass the NHS number check: the NHS number;
- a phone number in any common form (07700 900123, +44 7700 900123): that number exactly;
- 4 to 9 digits: the end of a phone number ("the last four digits of your number"), or a
  hospital number that is all digits;
- anything else of 2 characters or more: a hospital number exactly, or a name (given or
  family name starting with it, or the two words in either order).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import Team
from accounts.selectors import team_of
from calls.models import CallTask, DoNotCall
from patients.identifiers import normalise_nhs_number, parse_phone
from patients.models import Patient

MAX_RESULTS = 20


@dataclass(frozen=True)
class PatientMatch:
    patient: Patient
    open_call: CallTask | None
    do_not_call: DoNotCall | None = None  # they asked not to be called: no call is offered


def _digits(query: str) -> str:
    return re.sub(r"[\s()+\-]", "", query)


def _condition(query: str) -> Q | None:
    query = query.strip()
    if len(query) < 2:
        return None
    digits = _digits(query)
    if digits.isdigit():
        condition = Q(hospital_number=digits)
        with contextlib.suppress(ValueError):
            condition |= Q(nhs_number=normalise_nhs_number(digits))
        with contextlib.suppress(ValueError):
            e164 = parse_phone(query).e164
            condition |= Q(mobile=e164) | Q(other_phone=e164)
        if 4 <= len(digits) <= 9:
            condition |= Q(mobile__endswith=digits) | Q(other_phone__endswith=digits)
        return condition
    words = query.split()
    condition = Q(hospital_number__iexact=query)
    if len(words) == 1:
        return condition | Q(family_name__istartswith=query) | Q(given_name__istartswith=query)
    first, last = words[0], " ".join(words[1:])
    return (
        condition
        | Q(given_name__istartswith=first, family_name__istartswith=last)
        | Q(family_name__istartswith=first, given_name__istartswith=last)
    )


def patients_on_team_lists(team: Team | None) -> QuerySet[Patient]:
    """The patients on the team's call lists, today or before."""
    if team is None:
        return Patient.objects.none()
    return Patient.objects.filter(pk__in=CallTask.objects.filter(team=team).values("patient_id"))


def patients_search(*, user: Any, query: str) -> list[PatientMatch]:
    """The patients `query` finds among those the user's team works with, with each one's open
        call on that team's list if there is one (none is offered for a patient who asked not to be
    called: the match says so). Nothing for a query too short to mean anything."""
    condition = _condition(query)
    if condition is None:
        return []
    team = team_of(user)
    # A patient who has died is never offered to a handler to call.
    matching = patients_on_team_lists(team).living().filter(condition)
    found = list(matching.order_by("family_name", "given_name")[:MAX_RESULTS])
    not_to_call = {row.patient_id: row for row in DoNotCall.objects.in_force().filter(patient__in=found)}
    open_calls = {
        task.patient_id: task
        for task in CallTask.objects.open().filter(team=team, patient__in=found).select_related("claimed_by")
        if task.patient_id not in not_to_call
    }
    return [PatientMatch(patient, open_calls.get(patient.pk), not_to_call.get(patient.pk)) for patient in found]
