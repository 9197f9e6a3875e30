"""Nothing ties two schools together (DESIGN.md §3, defence in depth).

A row of one school must not point at another school's pupil, session, group or reason:
a contact attached to another school's pupil would let that parent into the other
school. The models' `clean()` refuse it (so the admin shows a form error and saves
nothing, and every `full_clean()` refuses it); a registration group's teachers must hold
a role at its school, checked when they are added, whatever adds them.

`clean()` checks the relations that are loaded on the instance (a form's choice, an
object the caller passed): bulk writers that set `*_id` from the school's own rows
settle it in bulk instead of a query per row.
"""

from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django_scopes import scopes_disabled

from .tenants import Membership


def refuse_other_schools(instance, fields, *, school_id=None) -> None:
    """Raise ValidationError {field: [...]} for each loaded relation in `fields` whose
    school is not `school_id` (default: the instance's own school)."""
    school_id = instance.school_id if school_id is None else school_id
    if school_id is None:
        return  # no school chosen yet: the form says so
    errors = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if not field.is_cached(instance):
            continue
        related = field.get_cached_value(instance)
        if related is not None and related.school_id != school_id:
            what = related._meta.verbose_name
            errors[name] = [f"This {what} belongs to another school: choose one of this school's."]
    if errors:
        raise ValidationError(errors)


def teachers_outside(group, user_ids) -> list[int]:
    """Of `user_ids`, those with no role at the group's school."""
    members = set(
        Membership.objects.filter(school_id=group.school_id, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    return sorted(set(user_ids) - members)


def _refuse_outside_teachers(sender, instance, action, reverse, pk_set, **kwargs):
    if action != "pre_add" or not pk_set:
        return
    if reverse:
        # user.registration_groups.add(group, ...): the groups' schools must each have the user.
        from .people import RegistrationGroup

        with scopes_disabled():
            groups = list(RegistrationGroup.objects.filter(pk__in=pk_set).only("pk", "school_id"))
        for group in groups:
            if teachers_outside(group, [instance.pk]):
                raise ValidationError(
                    {"teachers": [f"{instance} holds no role at the school of group {group}."]}
                )
        return
    outside = teachers_outside(instance, pk_set)
    if outside:
        raise ValidationError({"teachers": ["A group's teachers must hold a role at its school."]})


def connect_teacher_guard(through) -> None:
    receiver(m2m_changed, sender=through, dispatch_uid="group_teachers_same_school")(
        _refuse_outside_teachers
    )
