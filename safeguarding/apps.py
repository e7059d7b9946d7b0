import re

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured

TREATMENT_FUNCTION_CODE = re.compile(r"\d{3}")


class SafeguardingConfig(AppConfig):
    name = "safeguarding"
    verbose_name = "Safeguarding: children not brought to appointments, for review"

    def ready(self) -> None:
        from django.conf import settings

        from appointments.changes import on_appointments_changed, on_extract_imported
        from audit.retention import register_retention
        from safeguarding.services import safeguarding_follow_changed_appointments
        from safeguarding.tasks import list_safeguarding_dnas_task

        wrong = [
            code for code in settings.ATTEND_SAFEGUARDING_SPECIALTIES if not TREATMENT_FUNCTION_CODE.fullmatch(code)
        ]
        if wrong:
            raise ImproperlyConfigured(
                f"ATTEND_SAFEGUARDING_SPECIALTIES: {', '.join(wrong)} is not a three-digit treatment function code."
            )
        # An outcome arriving for an appointment Attend held lists it in the import's transaction;
        # an uploaded extract (which may bring appointments with their outcome already recorded)
        # is swept once it has committed; the nightly sweep (config/beat.py) catches the rest.
        on_appointments_changed(safeguarding_follow_changed_appointments)
        on_extract_imported(list_safeguarding_dnas_task.delay)
        # The reviewer's note is free text about a child: blanked with the rest past retention.
        register_retention("safeguarding.SafeguardingEntry", date_field="reviewed_at", fields=["note"])
