"""`manage.py simulate_policy SCHOOL [--preset NAME] --from DATE --to DATE
[--format text|json]` (DESIGN.md §9): replays every school day of the range in order
under the school's policy (or a preset), as if each proposal were approved on the day
it was made; stores nothing. JSON: a list with one run_escalation object per school
day. Text: the decisions, then counts by month of letters, meetings and notices."""

import json

from django.core.management.base import BaseCommand, CommandError

from registers.cli import iso_date, school_by_slug
from registers.tenancy import school_scope

from ...ladder import LadderError
from ...services.simulate import simulate
from ._text import decision_text


class Command(BaseCommand):
    help = (
        "What a policy would have done: every school day from --from to --to decided in "
        "order, each proposal taken as approved on its day. Nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("--preset", help="a preset to try instead of the school's policy")
        parser.add_argument("--from", dest="start", type=iso_date, required=True, metavar="DATE")
        parser.add_argument("--to", dest="end", type=iso_date, required=True, metavar="DATE")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, school, preset, start, end, format, **options):
        if end < start:
            raise CommandError("--to is before --from.")
        school = school_by_slug(school)
        with school_scope(school):
            try:
                result = simulate(school=school, start=start, end=end, preset=preset)
            except KeyError as exc:
                raise CommandError(str(exc.args[0]) if exc.args else str(exc)) from exc
            except LadderError as exc:
                raise CommandError(
                    "The escalation policy has rules that cannot be used: "
                    + "; ".join(exc.messages)
                ) from exc
        if format == "json":
            self.stdout.write(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
            return
        self.stdout.write(
            f"{school.name} ({result.school}), policy {result.policy}, "
            f"{start.isoformat()} to {end.isoformat()}: {len(result.days)} school days "
            "(simulated, nothing stored)"
        )
        for day in result.days:
            data = day.as_json()
            if not data["decisions"]:
                continue
            points = f" [{', '.join(data['calendar_points'])}]" if data["calendar_points"] else ""
            self.stdout.write(f"{data['as_of']}{points}")
            for decision in data["decisions"]:
                self.stdout.write(f"  {decision_text(decision)}")
        self.stdout.write("")
        self.stdout.write("Month     letters  meetings  notices")
        totals = [0, 0, 0]
        for month, counts in result.by_month().items():
            row = [counts["letters"], counts["meetings"], counts["notices"]]
            totals = [a + b for a, b in zip(totals, row, strict=True)]
            self.stdout.write(f"{month}  {row[0]:>7}  {row[1]:>8}  {row[2]:>7}")
        self.stdout.write(f"Total    {totals[0]:>7}  {totals[1]:>8}  {totals[2]:>7}")
