"""Row-level security on the escalation app's school-owned tables (as registers 0010 does for
the core's; registers.rls)."""

from django.db import migrations

from registers.rls import disable_sql, enable_sql

TABLES = [
    "escalation_attachment",
    "escalation_case",
    "escalation_decision",
    "escalation_escalationpolicy",
    "escalation_escalationtask",
    "escalation_meeting",
    "escalation_noticetoimprove",
    "escalation_penaltynotice",
    "escalation_proposal",
    "escalation_run",
    "escalation_simulationrun",
    "escalation_stageentry",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("".join(enable_sql(t) for t in TABLES), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("".join(disable_sql(t) for t in TABLES), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0001_initial"),
        ("registers", "0010_rls8_row_level_security"),
    ]

    operations = [migrations.RunPython(forward, backward)]
