"""What a letter says: who it is addressed to and the appointment it is about, the same for
Notify's personalisation and the post room's printed page."""

from __future__ import annotations

from django.utils.formats import date_format

from config.localtime import local_zone
from letters.models import Letter

NOTIFY_ADDRESS_LINES = 7  # Notify takes address_line_1 … address_line_7, the last holding the postcode


def addressee(letter: Letter) -> str:
    """A child's letter goes to their parent or carer (as a child's texts go to the carer's mobile)."""
    appointment = letter.appointment
    patient = appointment.patient
    if appointment.is_child:
        return f"The parent or carer of {patient.display_name}"
    return patient.display_name


def address_block(letter: Letter) -> list[str]:
    """The addressee, the address lines and the postcode: at most seven lines (Notify's limit), the
    middle lines past it joined onto the sixth so nothing of the address is lost."""
    lines = [addressee(letter), *letter.appointment.patient.address_lines]
    if len(lines) > NOTIFY_ADDRESS_LINES:
        lines = [*lines[:5], ", ".join(lines[5:-1]), lines[-1]]
    return lines


def appointment_details(letter: Letter) -> dict[str, str]:
    appointment = letter.appointment
    local = appointment.starts_at.astimezone(local_zone())
    return {
        "name": appointment.patient.display_name,
        "appointment_date": date_format(local, "l j F Y"),
        "appointment_time": date_format(local, "g:i A").lower() if appointment.start_time_known else "",
        "clinic": appointment.clinic.name,
        "site": appointment.site.name,
    }


def notify_personalisation(letter: Letter, address: list[str]) -> dict[str, str]:
    """Notify's letter fields: address_line_1 … (at least three, the last a postcode) and the
    appointment's, which the trust's Notify templates use as ((appointment_date)) and so on."""
    fields = {f"address_line_{number}": line for number, line in enumerate(address, start=1)}
    return fields | appointment_details(letter)
