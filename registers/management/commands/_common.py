"""What the attendance commands share: finding the school and reading dates."""

import argparse
from datetime import date

from django.core.management.base import CommandError

from registers.models import School


def school_by_slug(slug: str) -> School:
    school = School.objects.filter(slug=slug).first()
    if school is None:
        raise CommandError(f"There is no school with the slug {slug!r}.")
    return school


def iso_date(value: str) -> date:
    """An argparse type: a bad date is a usage error with a clear message."""
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (use YYYY-MM-DD).") from exc
