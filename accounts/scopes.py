"""Which patients a team lead works with: the scope of the pages that list patients' requests.

A team lead reads the booking requests and text replies of their own team's patients, not
the whole trust's. Which patients are a team's is known above this app (a patient is on a
team's call lists in `calls`), so that app registers the rule in its AppConfig.ready() and
pages in any app apply it through `patients_in_scope`, without importing `calls`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

PatientScope = Callable[[Any, QuerySet], QuerySet]
_scope: list[PatientScope] = []


def register_patient_scope(rule: PatientScope) -> None:
    """Register the rule `rule(user, patients) -> the patients among them the user works with`."""
    _scope[:] = [rule]


def patients_in_scope(user: Any, patients: QuerySet) -> QuerySet:
    """The patients among `patients` that `user` works with; all of them for an admin, and all
    of them while no app has registered a rule."""
    if not _scope or user.is_superuser or user.has_perm("accounts.administer_attend"):
        return patients
    return _scope[0](user, patients)
