"""`manage.py calling_list SCHOOL --at "YYYY-MM-DD HH:MM" --format json` (DESIGN §9): the
first-day calling list as of that moment (school-local time), in the page's order, from
the page's own selector (absences.selectors.calling). Reads only."""

import argparse
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand

from registers.cli import school_by_slug
from registers.tenancy import school_scope

from ...selectors.calling import calling_list


def local_minute(value: str) -> datetime:
    """An argparse type: "YYYY-MM-DD HH:MM" (naive: the school's time zone is applied)."""
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date and time as YYYY-MM-DD HH:MM (e.g. 2025-01-13 09:45)."
        ) from None


class Command(BaseCommand):
    help = (
        "Print the first-day calling list as of --at (school time): one object per pupil "
        "absent without explanation, vulnerable first then by group: upn, vulnerable, "
        "day_of_absence, unexplained_sessions (AM/PM), contacts [{priority, name, phone}], "
        "status (to_call, accounted_for, not_accounted_for)."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("--at", type=local_minute, required=True, metavar='"YYYY-MM-DD HH:MM"')
        parser.add_argument("--format", choices=("json", "text"), default="json")

    def handle(self, *args, school, at, format, **options):
        school = school_by_slug(school)
        with school_scope(school):
            listing = calling_list(school=school, at=at.replace(tzinfo=ZoneInfo(school.timezone)))
            rows = [entry.as_json() for entry in listing.entries]
            if format == "json":
                self.stdout.write(json.dumps(rows, indent=2))
                return
            for entry in listing.entries:
                flag = "vulnerable " if entry.vulnerable else ""
                self.stdout.write(
                    f"{entry.pupil.upn} {entry.pupil.display_name} ({entry.group_name}) "
                    f"{flag}day {entry.day_of_absence} "
                    f"{'/'.join(entry.unexplained_sessions) or '-'}: {entry.status}"
                )
