from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = "Letters: reminders by post, through NHS Notify or the post room's print batch"
