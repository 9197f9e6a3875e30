"""Defence in depth on PostgreSQL (DESIGN.md §3): row-level security on every
school-owned table of the core, so that a query the application forgets to scope still
returns only the selected schools' rows (registers.rls says how the selection is sent).
The tables' owner (who runs migrations) is not bound by it; the application's role is."""

from django.db import migrations

from registers.rls import disable_sql, enable_sql

TABLES = [
    "registers_academicyear",
    "registers_term",
    "registers_closure",
    "registers_registertimes",
    "registers_session",
    "registers_registrationgroup",
    "registers_pupil",
    "registers_contact",
    "registers_groupmembership",
    "registers_absencereason",
    "registers_mark",
    "registers_amendment",
    "registers_register",
    "registers_plannedentry",
    "registers_accessevent",
    "registers_event",
    "registers_outboxtask",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("".join(enable_sql(t) for t in TABLES), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("".join(disable_sql(t) for t in TABLES), params=None)


class Migration(migrations.Migration):
    dependencies = [("registers", "0009_otp8_api_tokens_two_factor_log")]

    operations = [migrations.RunPython(forward, backward)]
