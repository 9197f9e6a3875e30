"""What the management commands share: finding the school, reading dates, and the
shape of an import (SCHOOL FILE, all-or-nothing, refusals on stderr)."""

import argparse
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from registers.imports import ImportRefused, read_csv
from registers.models import School
from registers.validation import parse_date


def school_by_slug(slug: str) -> School:
    school = School.objects.filter(slug=slug).first()
    if school is None:
        raise CommandError(f"There is no school with the slug {slug!r}.")
    return school


def iso_date(value: str) -> date:
    """An argparse type: a bad date is a usage error with a clear message."""
    try:
        return parse_date(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


class ImportCommand(BaseCommand):
    """`manage.py <import> SCHOOL FILE.csv`. Subclasses define `run_import(*, school,
    rows, **options)` and `summary(*, school, done)`; a refused file becomes a
    CommandError listing the bad rows."""

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("file", help="the CSV file")

    def handle(self, *args, school, file, **options):
        school = school_by_slug(school)
        try:
            done = self.run_import(school=school, rows=read_csv(file), **options)
        except ImportRefused as exc:
            raise CommandError(exc.report()) from exc
        self.stdout.write(self.summary(school=school, done=done))
