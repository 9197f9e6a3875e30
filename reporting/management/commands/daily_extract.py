from django.core.management.base import BaseCommand

from registers.cli import iso_date, school_by_slug
from registers.selectors import local_today
from registers.tenancy import school_scope
from reporting.exports import as_csv, as_json
from reporting.returns import EXTRACT_COLUMNS, daily_extract_rows


class Command(BaseCommand):
    help = (
        "Print one day in the shape of the national daily attendance data share: per "
        "pupil on roll that day, the identifiers (urn, laestab, upn, names, date of birth), "
        "characteristics, admission and leaving dates, and each session's code; then the "
        "earlier sessions whose code changed in the last 7 days (with changed_on)."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("--date", dest="day", type=iso_date, metavar="DATE")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")

    def handle(self, *args, school, day, format, **options):
        school = school_by_slug(school)
        with school_scope(school):
            rows = daily_extract_rows(school=school, day=day or local_today(school))
            output = as_json(rows) if format == "json" else as_csv(rows, list(EXTRACT_COLUMNS))
        self.stdout.write(output, ending="")
