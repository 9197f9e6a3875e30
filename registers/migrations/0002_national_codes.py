"""Seed the national attendance codes in force from 19 August 2024.

The rows come from registers/data/attendance-codes.csv, a copy of the reference
file; a test checks the two are the same.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "attendance-codes.csv"


def load_codes(apps, schema_editor):
    AttendanceCode = apps.get_model("registers", "AttendanceCode")
    with DATA.open(newline="", encoding="utf-8") as fh:
        for order, row in enumerate(csv.DictReader(fh)):
            AttendanceCode.objects.update_or_create(
                code=row["code"],
                defaults={
                    "meaning": row["meaning"],
                    "category": row["category"],
                    "possible": row["possible"] == "Y",
                    "attended": row["attended"] == "Y",
                    "authorised_absence": row["authorised_absence"] == "Y",
                    "unauthorised_absence": row["unauthorised_absence"] == "Y",
                    "notes": row["notes"],
                    "sort_order": order,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("registers", "0001_initial")]

    operations = [migrations.RunPython(load_codes, migrations.RunPython.noop)]
