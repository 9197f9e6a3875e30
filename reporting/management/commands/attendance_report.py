from django.core.management.base import BaseCommand, CommandError

from registers.cli import iso_date, school_by_slug
from registers.tenancy import school_scope
from reporting.exports import as_csv, as_json, attendance_rows, report_columns


class Command(BaseCommand):
    help = (
        "Print attendance figures, one row per pupil on roll at any time in the range, by "
        "UPN: upn, possible, attended, present, approved_activity, authorised, "
        "unauthorised, lates, attendance_pct (2 decimals; empty in CSV and null in JSON "
        "with no possible sessions), persistent_absence and severe_absence (over the "
        "range; true or false in both CSV and JSON), then one column per national code "
        "with its count."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("--from", dest="start", type=iso_date, required=True, metavar="DATE")
        parser.add_argument("--to", dest="end", type=iso_date, required=True, metavar="DATE")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")

    def handle(self, *args, school, start, end, format, **options):
        if end < start:
            raise CommandError(f"--to {end} is before --from {start}.")
        school = school_by_slug(school)
        with school_scope(school):
            rows = attendance_rows(school=school, start=start, end=end)
            output = as_json(rows) if format == "json" else as_csv(rows, report_columns())
        self.stdout.write(output, ending="")
