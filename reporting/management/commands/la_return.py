from django.core.management.base import BaseCommand

from registers.cli import iso_date, school_by_slug
from registers.tenancy import school_scope
from reporting.exports import as_csv, as_json
from reporting.returns import LA_RETURNS, la_columns, la_rows


class Command(BaseCommand):
    help = (
        "Print a local-authority return as of a date, one row per pupil by UPN: "
        "unauthorised_10_days (10 or more days, i.e. 20 sessions, of unauthorised absence "
        "this term), long_illness or missing_from_school (DESIGN.md §6 indicators). "
        "Columns: upn, legal_surname, legal_forename, date_of_birth, gender, year_group, "
        "possible, attended, authorised, unauthorised, attendance_pct (and "
        "illness_sessions for the indicator returns)."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("kind", choices=LA_RETURNS)
        parser.add_argument("--as-of", dest="as_of", type=iso_date, required=True, metavar="DATE")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")

    def handle(self, *args, school, kind, as_of, format, **options):
        school = school_by_slug(school)
        with school_scope(school):
            rows = la_rows(school=school, kind=kind, as_of=as_of)
            output = as_json(rows) if format == "json" else as_csv(rows, la_columns(kind))
        self.stdout.write(output, ending="")
