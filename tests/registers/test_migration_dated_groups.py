"""Migration 0005: the groups pupils are in before it become their first dated spell."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("registers", "0004_amendment_note_and_absence_reason")
AFTER = ("registers", "0005_dated_group_memberships")


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_each_pupil_with_a_group_is_in_it_from_their_first_day_on_roll():
    try:
        apps = migrate_to(BEFORE)
        school = apps.get_model("registers", "School").objects.create(slug="s", name="S")
        group = apps.get_model("registers", "RegistrationGroup").objects.create(
            school=school, name="Ash 4"
        )
        Pupil = apps.get_model("registers", "Pupil")
        common = {"school": school, "date_of_birth": dt.date(2016, 1, 1), "gender": "F"}
        in_ash = Pupil.objects.create(
            upn="A", registration_group=group, on_roll_from=dt.date(2022, 9, 5), **common
        )
        Pupil.objects.create(upn="B", on_roll_from=dt.date(2022, 9, 5), **common)

        apps = migrate_to(AFTER)
        spells = apps.get_model("registers", "GroupMembership").objects.all()

        assert [(s.pupil_id, s.group_id, s.starts, s.ends) for s in spells] == [
            (in_ash.pk, group.pk, dt.date(2022, 9, 5), None)
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
