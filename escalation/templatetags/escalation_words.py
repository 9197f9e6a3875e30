"""Words for the escalation pages' codes (`stage_1`, `attendance_lead`, `missing_from_school`)."""

from django import template

from registers.models import Role

register = template.Library()


@register.filter
def words(value) -> str:
    """`missing_from_school` -> "missing from school"."""
    return str(value or "").replace("_", " ")


@register.filter
def role_words(value) -> str:
    """A role's label in lower case ("attendance lead"), or the value as words."""
    try:
        return Role(value).label.lower()
    except ValueError:
        return words(value)
