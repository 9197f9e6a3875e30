"""`manage.py seed_demo`: the Blue Sky Federation demo, for `make run`.

Runs once per database: on a database that already holds the demo it changes nothing and
prints the logins again. The demo is never deleted (marks are legal records, even
fictional ones): to start again, delete db.sqlite3 and run `make run`.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo import build as demo
from demo import data
from registers.cli import iso_date


class Command(BaseCommand):
    help = (
        "Load the Blue Sky Federation demo: two primary schools, about 400 pupils each, "
        "a year of marks, and one login per role (printed at the end)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--pupils-per-school",
            type=int,
            default=400,
            help="pupils on roll at each school today (default 400; at least 14, one a class)",
        )
        parser.add_argument(
            "--marks-from",
            type=iso_date,
            help="first day with marks (default: 1 September of the previous school year)",
        )
        parser.add_argument(
            "--today",
            type=iso_date,
            help="build the demo as if today were this date (default: today, Europe/London)",
        )

    def handle(self, *args, pupils_per_school, marks_from, today, **options):
        if demo.demo_loaded():
            self.stdout.write(
                "The demo is already loaded: nothing changed. "
                "To build it again, delete db.sqlite3 and run `make run`."
            )
            self._print_logins(parent_name="")
            return
        clashes = demo.demo_clashes()
        if clashes:
            raise CommandError(
                "This database already has "
                + ", ".join(clashes)
                + ", but not the demo. Run seed_demo on a fresh database (delete db.sqlite3)."
            )
        if not 14 <= pupils_per_school <= 5000:
            raise CommandError("--pupils-per-school must be between 14 and 5000.")

        today = today or timezone.localdate()
        if marks_from and marks_from >= today:
            raise CommandError(
                f"--marks-from {marks_from} must be before today ({today}): marks stop at "
                "yesterday."
            )
        self.stdout.write(f"Building the Blue Sky Federation demo as of {today:%A %d %B %Y}...")
        report = demo.build_demo(
            today=today, pupils_per_school=pupils_per_school, marks_from=marks_from
        )
        for slug, counts in report.counts.items():
            figures = ", ".join(f"{n:,} {what}" for what, n in counts.items())
            self.stdout.write(f"  {slug}: {figures}")
        self.stdout.write(f"Built in {report.seconds:.1f} s.")
        self._print_logins(parent_name=report.parent_name)

    def _print_logins(self, *, parent_name: str):
        rows = [("Role", "Username", "Password", "Start at")]
        for login in data.LOGINS:
            label = login.label
            if login.username == data.PARENT_USERNAME and parent_name:
                label = f"{label}: {parent_name}"
            rows.append((label, login.username, data.DEMO_PASSWORD, data.BASE_URL + login.start))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (the same password for all):"))
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
        self.stdout.write(
            "Two-factor sign-in is not enforced under `make run` (TWO_FACTOR_ENFORCED=0): "
            "a banner says which roles would set it up; anyone may try it from their name "
            "at the top right. Production enforces it."
        )
