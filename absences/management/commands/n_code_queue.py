"""`manage.py n_code_queue SCHOOL --as-of DATE --format json` (DESIGN §9): every unresolved
N with its deadline (the 5th school day after the session) and whether it is overdue on
DATE, from the queue page's own selector (absences.selectors.ncodes). Reads only."""

import json

from django.core.management.base import BaseCommand

from registers.cli import iso_date, school_by_slug
from registers.tenancy import school_scope

from ...selectors.ncodes import n_code_queue


class Command(BaseCommand):
    help = (
        "Print every unresolved N up to --as-of: upn, date, session (AM/PM), deadline (the "
        "5th school day after the session; null past the calendar) and overdue (true after it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("--as-of", dest="as_of", type=iso_date, required=True, metavar="DATE")
        parser.add_argument("--format", choices=("json", "text"), default="json")

    def handle(self, *args, school, as_of, format, **options):
        school = school_by_slug(school)
        with school_scope(school):
            queue = n_code_queue(school=school, as_of=as_of)
            if format == "json":
                self.stdout.write(json.dumps([item.as_json() for item in queue], indent=2))
                return
            for item in queue:
                row = item.as_json()
                flag = " OVERDUE" if item.overdue else ""
                self.stdout.write(
                    f"{row['upn']} {row['date']} {row['session']} due {row['deadline']}{flag}"
                )
