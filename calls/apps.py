from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "calls"
    verbose_name = "Calls: call lists, calls, support offered and booking requests"

    def ready(self) -> None:
        from accounts.scopes import register_patient_scope
        from appointments.changes import on_appointments_changed
        from audit.retention import register_retention
        from calls.call_days import call_weekdays
        from calls.replanning import calls_follow_changed_appointments
        from calls.requests import reply_call_me, reply_cancel_or_rebook
        from calls.selectors import patients_of_team
        from reminders.models import InboundAction
        from reminders.replies import on_patient_request

        # A malformed ATTEND_CALL_DAYS stops start-up, naming the setting.
        call_weekdays()
        # The free text a call records about a patient, blanked once past retention.
        register_retention("calls.CallAttempt", date_field="recorded_at", fields=["notes"])
        register_retention("calls.SupportOffer", date_field="updated_at", fields=["detail"])
        # An import that cancels an appointment, or brings its outcome, closes its calls.
        on_appointments_changed(calls_follow_changed_appointments)
        # A patient's SMS reply asking for a call, or to cancel or rebook, lands on a list here.
        on_patient_request(InboundAction.CALL_ME, reply_call_me)
        on_patient_request(InboundAction.CANCEL_OR_REBOOK, reply_cancel_or_rebook)
        # A team lead reads the requests and replies of their own team's patients.
        register_patient_scope(patients_of_team)
