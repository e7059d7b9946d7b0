"""The safeguarding list: each child's missed appointment in a safeguarding specialty.

A child who is not brought to an appointment in paediatrics (or another specialty the trust
lists in ATTEND_SAFEGUARDING_SPECIALTIES) may be a child at risk: the trust's safeguarding
contact reviews each one, rather than the DNA only adding to the statistics. One entry per
appointment, however many times an extract repeats the outcome; an entry is open until a
named person marks it reviewed, with a note, and a reviewed entry stays reviewed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from appointments.models import Appointment
from patients.models import Patient


class SafeguardingEntryQuerySet(models.QuerySet["SafeguardingEntry"]):
    def to_review(self) -> SafeguardingEntryQuerySet:
        return self.filter(reviewed_at__isnull=True)

    def reviewed(self) -> SafeguardingEntryQuerySet:
        return self.filter(reviewed_at__isnull=False)

    def overdue(self, now: datetime | None = None) -> SafeguardingEntryQuerySet:
        """Unreviewed for longer than ATTEND_SAFEGUARDING_ESCALATE_AFTER_DAYS: escalated."""
        waited = timedelta(days=settings.ATTEND_SAFEGUARDING_ESCALATE_AFTER_DAYS)
        return self.to_review().filter(listed_at__lt=(now or timezone.now()) - waited)


class SafeguardingEntry(models.Model):
    """A child's DNA ("was not brought") on the safeguarding contact's list."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="safeguarding_entry")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safeguarding_entries")
    listed_at = models.DateTimeField(default=timezone.now, help_text="When Attend put it on the list.")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True, help_text="What the reviewer did or decided (blanked after retention).")

    objects = SafeguardingEntryQuerySet.as_manager()

    class Meta:
        db_table = "safeguarding_entry"
        verbose_name = "safeguarding list entry"
        verbose_name_plural = "safeguarding list entries"
        ordering = ["-listed_at", "-id"]
        indexes = [models.Index(fields=["reviewed_at", "listed_at"], name="safeguarding_open_listed")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True, reviewed_by__isnull=True)
                | models.Q(reviewed_at__isnull=False, reviewed_by__isnull=False),
                name="safeguarding_reviewed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment.pas_id} ({'reviewed' if self.reviewed_at else 'to review'})"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None
