"""`manage.py leave_assess SCHOOL UPN --from DATE [--from-session AM|PM] --to DATE
[--to-session AM|PM] --requested-on DATE --ground CODE --format json` (DESIGN §9): the
school's checks on a leave request and the pupil's attendance now and if granted, from
the decider page's own selector (absences.selectors.leave.leave_assess). Reads only;
the school's checks are created from its preset if it has none yet."""

import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from registers.cli import iso_date, school_by_slug
from registers.models import Pupil
from registers.tenancy import school_scope

from ...selectors.leave import leave_assess

# The codes a granted request's sessions may get (DESIGN §9), and G for a family holiday.
GROUNDS = ("C1", "J1", "S", "C", "C2", "R", "T", "G")


def _number(value):
    return float(value) if isinstance(value, Decimal) else value


class Command(BaseCommand):
    help = (
        "Assess a leave-of-absence request as of --requested-on: prints {sessions, "
        "attendance_pct_now, attendance_pct_if_granted, checks: [{rule, passed, detail}]} "
        "with the checks the school has switched on (notice_period, retrospective, "
        "unauthorised_on_record, authorised_over_10pct, holiday). --ground is the code the "
        "sessions would get if granted (C1, J1, S, C, C2, R, T) or G for a family holiday."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("upn", help="the pupil's UPN")
        parser.add_argument("--from", dest="first_day", type=iso_date, required=True)
        parser.add_argument("--from-session", choices=("AM", "PM"), default="AM")
        parser.add_argument("--to", dest="last_day", type=iso_date, required=True)
        parser.add_argument("--to-session", choices=("AM", "PM"), default="PM")
        parser.add_argument("--requested-on", type=iso_date, required=True)
        parser.add_argument("--ground", choices=GROUNDS, required=True)
        parser.add_argument("--format", choices=("json",), default="json")

    def handle(
        self,
        *args,
        school,
        upn,
        first_day,
        from_session,
        last_day,
        to_session,
        requested_on,
        ground,
        **options,
    ):
        school = school_by_slug(school)
        first, last = (first_day, from_session), (last_day, to_session)
        if last < first:
            raise CommandError("--to (and --to-session) comes before --from.")
        with school_scope(school):
            pupil = Pupil.objects.filter(school=school, upn=upn.strip().upper()).first()
            if pupil is None:
                raise CommandError(f"There is no pupil with the UPN {upn!r} at {school.name}.")
            result = leave_assess(
                school=school,
                pupil=pupil,
                first=first,
                last=last,
                requested_on=requested_on,
                ground=ground,
            )
        result = {key: _number(value) for key, value in result.items()}
        self.stdout.write(json.dumps(result, indent=2))
