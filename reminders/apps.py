from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders: planning, sending, receipts, replies and opt-outs"

    def ready(self) -> None:
        from appointments.changes import on_appointments_changed
        from audit.retention import register_retention
        from config.health import register_health_check
        from reminders.config import validate_sms_settings
        from reminders.planning import reminders_follow_changed_appointments
        from reminders.selectors import reminders_delivery_uncertain

        # Malformed reminder rules or sending windows stop start-up, naming the setting.
        validate_sms_settings()
        # Message bodies name the patient's appointment; blanked once past retention.
        register_retention("reminders.Reminder", date_field="created_at", fields=["body"])
        register_retention("reminders.OutboxMessage", date_field="created_at", fields=["body"])
        register_retention("reminders.InboundMessage", date_field="received_at", fields=["body"])
        # An import that cancels, moves or closes an appointment skips or re-times its reminders.
        on_appointments_changed(reminders_follow_changed_appointments)
        # Texts in doubt after a crash, for monitoring to alert on (also flagged in the admin).
        register_health_check("sms_delivery_uncertain", reminders_delivery_uncertain)
