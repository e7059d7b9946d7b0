from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "Outreach: pilots, calls, reminders and reports"

    def ready(self) -> None:
        from audit.retention import register_retention

        # The free text outreach keeps about patients, blanked once past retention.
        register_retention("outreach.CallAttempt", date_field="recorded_at", fields=["notes"])
        register_retention("outreach.SupportOffer", date_field="updated_at", fields=["detail"])
        register_retention("outreach.Reminder", date_field="created_at", fields=["body"])
        register_retention("outreach.OutboxMessage", date_field="created_at", fields=["body"])
        register_retention("outreach.InboundMessage", date_field="received_at", fields=["body"])
