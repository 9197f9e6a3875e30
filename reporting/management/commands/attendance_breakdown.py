from django.core.management.base import BaseCommand, CommandError

from registers.cli import iso_date, school_by_slug
from registers.tenancy import school_scope
from reporting.exports import as_csv, as_json
from reporting.selectors.figures import BREAKDOWN_COLUMNS, FIELDS, breakdown


class Command(BaseCommand):
    help = (
        "Print the school's attendance by one characteristic (DESIGN.md §9), one row per "
        "value: group, pupils, possible, attended, authorised, unauthorised, attendance_pct "
        "(2 decimals), persistent_absentees, persistent_absence_rate (% of the group's "
        "pupils, 2 decimals), severe_absentees. Every pupil with at least one possible "
        "session in the range counts; registration groups are as dated on each session. "
        "Values are written as the roll import takes them (Y/N, F/M/X, N/K/E, year groups); "
        "a registration group by its name (null / empty for marks outside any group)."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("--from", dest="start", type=iso_date, required=True, metavar="DATE")
        parser.add_argument("--to", dest="end", type=iso_date, required=True, metavar="DATE")
        parser.add_argument("--by", choices=FIELDS, required=True, metavar="FIELD")
        parser.add_argument("--format", choices=("csv", "json"), default="json")

    def handle(self, *args, school, start, end, by, format, **options):
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}.")
        school = school_by_slug(school)
        with school_scope(school):
            rows = [r.as_row() for r in breakdown(school=school, start=start, end=end, by=by)]
        output = as_json(rows) if format == "json" else as_csv(rows, BREAKDOWN_COLUMNS)
        self.stdout.write(output, ending="")
