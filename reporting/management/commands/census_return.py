from django.core.management.base import BaseCommand, CommandError

from registers.cli import iso_date, school_by_slug
from registers.selectors import local_today
from registers.tenancy import school_scope
from reporting.exports import as_csv, as_json
from reporting.returns import census_columns, census_periods, census_rows


class Command(BaseCommand):
    help = (
        "Print the census-style attendance return: one row per pupil on roll at any time "
        "in the range, by UPN: upn, legal_surname, legal_forename, date_of_birth, gender, "
        "year_group, possible, attended, authorised, unauthorised, then the count of each "
        "national code. The range is --from/--to, or --term NAME (one of the school's terms "
        "of the academic year holding --to, or today)."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("--from", dest="start", type=iso_date, metavar="DATE")
        parser.add_argument("--to", dest="end", type=iso_date, metavar="DATE")
        parser.add_argument("--term", help="a term's name, e.g. 'Autumn'")
        parser.add_argument("--format", choices=("csv", "json"), default="csv")

    def handle(self, *args, school, start, end, term, format, **options):
        school = school_by_slug(school)
        with school_scope(school):
            if term:
                start, end = _term(school, term, end or local_today(school))
            if start is None or end is None:
                raise CommandError("Give --from and --to, or --term.")
            if end < start:
                raise CommandError(f"--to {end} is before --from {start}.")
            rows = census_rows(school=school, start=start, end=end)
            output = as_json(rows) if format == "json" else as_csv(rows, census_columns())
        self.stdout.write(output, ending="")


def _term(school, name, day):
    periods = census_periods(school=school, day=day)
    for period in periods:
        if period.name.casefold() == name.casefold():
            return period.start, period.end
    known = ", ".join(p.name for p in periods) or "none set up"
    raise CommandError(f"No term {name!r} in that academic year (terms: {known}).")
