"""Row-level security on the absences app's school-owned tables (as registers 0010 does for
the core's; registers.rls)."""

from django.db import migrations

from registers.rls import disable_sql, enable_sql

TABLES = [
    "absences_absenceprocedure",
    "absences_absencereport",
    "absences_callattempt",
    "absences_callingday",
    "absences_invitedcontact",
    "absences_leadaction",
    "absences_leavechecks",
    "absences_leaveevidence",
    "absences_leaverequest",
    "absences_portalinvitation",
    "absences_welfaretask",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("".join(enable_sql(t) for t in TABLES), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("".join(disable_sql(t) for t in TABLES), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("absences", "0001_initial"),
        ("registers", "0010_rls8_row_level_security"),
    ]

    operations = [migrations.RunPython(forward, backward)]
