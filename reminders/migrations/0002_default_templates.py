"""The English and Welsh reminder templates a new installation starts with (an admin edits them)."""

from django.db import migrations

DEFAULTS = [
    {
        "language": "en",
        "name": "English",
        "body": (
            "Hello {first_name}, this is a reminder of your hospital appointment on {date} at {time} "
            "at {site}. {reply_options}"
        ),
        "reply_options": (
            "Reply 1 if you will attend, 2 if you would like a call or need help to get there, "
            "3 to cancel or rebook."
        ),
    },
    {
        "language": "cy",
        "name": "Cymraeg",
        "body": (
            "Helo {first_name}, dyma nodyn atgoffa am eich apwyntiad ysbyty ar {date} am {time} "
            "yn {site}. {reply_options}"
        ),
        "reply_options": (
            "Atebwch 1 os byddwch yn dod, 2 os hoffech alwad neu help i gyrraedd, 3 i ganslo neu aildrefnu."
        ),
    },
]


def add_defaults(apps, schema_editor):
    MessageTemplate = apps.get_model("reminders", "MessageTemplate")
    for values in DEFAULTS:
        MessageTemplate.objects.get_or_create(language=values["language"], defaults=values)


class Migration(migrations.Migration):
    dependencies = [("reminders", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
