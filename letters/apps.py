from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = "Letters: reminders by post, through NHS Notify or the post room's print batch"

    def ready(self) -> None:
        from appointments.changes import on_appointments_changed
        from audit.retention import register_retention
        from letters.notify import validate_letter_settings
        from letters.planning import letters_follow_changed_appointments
        from letters.returns import letter_callback_record
        from reminders.webhooks import on_notify_callback

        # A missing Notify key or malformed letter templates stop start-up, naming the setting.
        validate_letter_settings()
        # The address a letter went to is the patient's; the copy on the letter goes with retention.
        register_retention("letters.Letter", date_field="created_at", fields=["address"])
        # An import that cancels or closes an appointment skips its planned letters at once.
        on_appointments_changed(letters_follow_changed_appointments)
        # Notify posts letters' receipts and returned letters to the texts' callback URL.
        on_notify_callback(letter_callback_record)
