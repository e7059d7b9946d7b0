"""Which pilots are running, and which appointments fall within a pilot's scope."""

from __future__ import annotations

from datetime import date

from appointments.models import Appointment
from pilots.models import Pilot
from risk.models import RiskBand

BAND_ORDER = [RiskBand.LOW.value, RiskBand.MEDIUM.value, RiskBand.HIGH.value]


def bands_at_or_above(band: str) -> list[str]:
    return BAND_ORDER[BAND_ORDER.index(band) :]


def pilots_running(day: date) -> list[Pilot]:
    return list(
        Pilot.objects.filter(starts_on__lte=day, ends_on__gte=day)
        .prefetch_related("sites", "specialties", "clinics")
        .order_by("starts_on", "pk")
    )


def in_scope(pilot: Pilot, appointment: Appointment) -> bool:
    """Empty scope lists mean every site, specialty or clinic."""
    sites = {s.pk for s in pilot.sites.all()}
    specialties = {s.pk for s in pilot.specialties.all()}
    clinics = {c.pk for c in pilot.clinics.all()}
    return (
        (not sites or appointment.site_id in sites)
        and (not specialties or appointment.specialty_id in specialties)
        and (not clinics or appointment.clinic_id in clinics)
    )
