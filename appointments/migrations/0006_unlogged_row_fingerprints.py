"""Row fingerprints are a cache of what each extract row produced (importing.fingerprints): on
PostgreSQL the table is UNLOGGED, so recording a million of them writes no WAL. After a crash
PostgreSQL empties it, and the next import validates every row once, as a first import does;
a replica holds none, so an import after a failover does the same."""

from django.db import migrations


def _alter(logged: bool):
    def alter(apps, schema_editor) -> None:
        if schema_editor.connection.vendor == "postgresql":
            table = schema_editor.quote_name(apps.get_model("appointments", "RowFingerprint")._meta.db_table)
            schema_editor.execute(f"ALTER TABLE {table} SET {'LOGGED' if logged else 'UNLOGGED'}")

    return alter


class Migration(migrations.Migration):
    dependencies = [("appointments", "0005_row_fingerprints")]

    operations = [migrations.RunPython(_alter(logged=False), _alter(logged=True), elidable=False)]
