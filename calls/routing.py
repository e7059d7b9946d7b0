"""Which team a call goes to: the one that covers its appointment.

A team covers an appointment when its site is the appointment's (or it names no site) and
the appointment's specialty is among its specialties (or it names none). Of the teams that
cover it, the most specific comes first: one naming both the site and the specialty, then
one naming the specialty, then one naming the site, then a team for everything; among
equals, one whose languages include the patient's preferred language, then the oldest
team. When no team covers the appointment, the call goes to the trust's default team.

The list builder takes the first of these teams with room left (capacity still holds);
a patient who asks for a call goes to the first, whatever its list holds.
"""

from __future__ import annotations

from accounts.models import Team
from appointments.models import Appointment


def covers(team: Team, appointment: Appointment) -> bool:
    site_ok = not team.site_code or team.site_code.upper() == appointment.site.ods_code.upper()
    specialties = team.specialty_code_list
    return site_ok and (not specialties or appointment.specialty.treatment_function_code.lower() in specialties)


def teams_for(appointment: Appointment, teams: list[Team]) -> list[Team]:
    """The teams that may take a call about `appointment`, best first (see the module's rule);
    the default team alone when none covers it, and none when there is no default either."""
    language = (appointment.patient.preferred_language or "").lower()

    def rank(team: Team) -> tuple:
        return (
            -(bool(team.site_code) + 2 * bool(team.specialty_codes)),
            language not in team.language_list,
            team.pk,
        )

    covering = sorted((team for team in teams if covers(team, appointment)), key=rank)
    return covering or [team for team in teams if team.is_default]


def team_for(appointment: Appointment) -> Team | None:
    """The team a patient-asked call about `appointment` goes to (capacity aside)."""
    teams = list(Team.objects.order_by("pk"))
    found = teams_for(appointment, teams)
    return found[0] if found else None
