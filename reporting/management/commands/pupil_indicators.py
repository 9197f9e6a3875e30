from django.core.management.base import BaseCommand

from registers.cli import iso_date, school_by_slug
from registers.stats import INDICATOR_KEYS
from registers.tenancy import school_scope
from reporting.exports import as_json, indicator_rows


class Command(BaseCommand):
    help = (
        "Print, for each pupil on roll at any time from the start of the academic year to "
        'the date (by UPN), {"upn": ..., "indicators": [...]} with the indicators that hold '
        "as of that date over their own time on roll: "
        f"{', '.join(INDICATOR_KEYS)}."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("--as-of", dest="as_of", type=iso_date, required=True, metavar="DATE")
        parser.add_argument("--format", choices=("json",), default="json")

    def handle(self, *args, school, as_of, **options):
        school = school_by_slug(school)
        with school_scope(school):
            rows = indicator_rows(school=school, as_of=as_of)
        self.stdout.write(as_json(rows), ending="")
