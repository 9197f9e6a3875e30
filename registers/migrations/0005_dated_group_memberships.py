"""Registration-group membership becomes dated (DESIGN.md §4).

Every pupil with a group gets one spell in it from their first day on roll: until now the
group was a fact of the pupil, so that is all the history there is. On PostgreSQL an
exclusion constraint makes overlapping spells of one pupil impossible, however they are
written; SQLite (the demo's default) relies on the service `registers.groups.group_move`.
"""

import django.db.models.deletion
from django.db import migrations, models


def memberships_from_pupils(apps, schema_editor):
    Pupil = apps.get_model("registers", "Pupil")
    GroupMembership = apps.get_model("registers", "GroupMembership")
    pupils = Pupil.objects.filter(registration_group__isnull=False).values_list(
        "pk", "school_id", "registration_group_id", "on_roll_from"
    )
    batch = []
    for pupil_id, school_id, group_id, starts in pupils.iterator(chunk_size=2000):
        batch.append(
            GroupMembership(
                school_id=school_id, pupil_id=pupil_id, group_id=group_id, starts=starts
            )
        )
        if len(batch) == 2000:
            GroupMembership.objects.bulk_create(batch)
            batch = []
    GroupMembership.objects.bulk_create(batch)


# A range over the pupil id stands for "the same pupil", so that the constraint needs no
# btree_gist extension (GiST indexes ranges out of the box).
NO_OVERLAP = (
    "ALTER TABLE registers_groupmembership ADD CONSTRAINT group_membership_no_overlap "
    "EXCLUDE USING gist (int8range(pupil_id, pupil_id, '[]') WITH &&, "
    "daterange(starts, ends, '[]') WITH &&)"
)
NO_OVERLAP_DROP = (
    "ALTER TABLE registers_groupmembership DROP CONSTRAINT IF EXISTS group_membership_no_overlap"
)


def no_overlap(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NO_OVERLAP)


def no_overlap_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NO_OVERLAP_DROP)


class Migration(migrations.Migration):

    dependencies = [
        ('registers', '0004_amendment_note_and_absence_reason'),
    ]

    operations = [
        migrations.CreateModel(
            name='GroupMembership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('starts', models.DateField()),
                ('ends', models.DateField(blank=True, null=True)),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='registers.registrationgroup')),
                ('pupil', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='group_memberships', to='registers.pupil')),
                ('school', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='registers.school')),
            ],
            options={
                'ordering': ['pupil', 'starts'],
                'indexes': [models.Index(fields=['school', 'group', 'starts'], name='group_membership_group')],
                'constraints': [models.CheckConstraint(condition=models.Q(('ends__isnull', True), ('ends__gte', models.F('starts')), _connector='OR'), name='group_membership_dates_in_order'), models.UniqueConstraint(fields=('school', 'pupil', 'starts'), name='group_membership_unique_start')],
            },
        ),
        migrations.RunPython(memberships_from_pupils, migrations.RunPython.noop),
        migrations.RunPython(no_overlap, no_overlap_drop),
    ]
