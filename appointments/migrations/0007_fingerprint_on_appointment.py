"""Each appointment holds the fingerprint of the extract row that last wrote it, written by the
statement that writes the appointment (importing.fingerprints), instead of a table of its own that
each chunk filled with a second statement joined back to the appointments.

The old table's fingerprints are not carried over: they are a cache, and the first import after
this validates every row once, as a first import does, recording them anew."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("appointments", "0006_unlogged_row_fingerprints")]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="fingerprint",
            field=models.UUIDField(editable=False, help_text="MD5 of the importer's context and the row.", null=True),
        ),
        migrations.AddField(
            model_name="appointment",
            name="fingerprint_rules",
            field=models.TextField(
                blank=True, db_default="", default="", editable=False,
                help_text="The value rules the fingerprinted row fired.",
            ),
        ),
        migrations.AddField(
            model_name="appointment",
            name="fingerprinted_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.DeleteModel(name="RowFingerprint"),
    ]
