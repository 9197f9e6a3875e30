"""`manage.py run_escalation SCHOOL --as-of DATE [--dry-run] [--format text|json]`
(DESIGN.md §9): one school's nightly escalation run for a day. JSON: one object
{"school", "policy", "as_of", "calendar_points", "decisions"}; decisions sorted by UPN
then track, `rule` as `<preset>/<RULES.md id>`. A second run of the same day decides
nothing new; `--dry-run` stores nothing."""

import json

from django.core.management.base import BaseCommand, CommandError

from registers.cli import iso_date, school_by_slug
from registers.tenancy import school_scope

from ...ladder import LadderError
from ...services.run import run_escalation
from ._text import decision_text


class Command(BaseCommand):
    help = (
        "Run the school's escalation policy for one day: decide which rules fire for which "
        "pupils, and (unless --dry-run) store the decisions with their letters, tasks and "
        "proposals. Running a day twice decides nothing new."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("--as-of", dest="as_of", type=iso_date, required=True, metavar="DATE")
        parser.add_argument("--dry-run", action="store_true", help="decide, but store nothing")
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, school, as_of, dry_run, format, **options):
        school = school_by_slug(school)
        with school_scope(school):
            try:
                result = run_escalation(school=school, as_of=as_of, dry_run=dry_run)
            except LadderError as exc:
                raise CommandError(
                    "The school's escalation policy has rules that cannot be used: "
                    + "; ".join(exc.messages)
                ) from exc
        data = result.as_json()
        if format == "json":
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        points = ", ".join(data["calendar_points"]) or "none"
        stored = "dry run, nothing stored" if dry_run else "stored"
        self.stdout.write(
            f"{school.name} ({data['school']}), policy {data['policy']}, {data['as_of']}: "
            f"calendar points {points} ({stored})"
        )
        for decision in data["decisions"]:
            self.stdout.write(decision_text(decision))
        self.stdout.write(f"{len(data['decisions'])} decisions.")
