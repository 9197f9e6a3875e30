from django.core.management.base import BaseCommand, CommandError

from registers.setup import POLICY_PRESETS, SetupRefused, school_setup_from_file


class Command(BaseCommand):
    help = (
        "Create or update a school from a TOML file (see reference/school-example.toml): "
        "its trust, register times, academic years, terms, closures and policy preset "
        f"({', '.join(POLICY_PRESETS)}), then generate its sessions. Re-running with the "
        "same school slug updates it; terms and closures of the years in the file that "
        "the file no longer lists are removed. A bad file changes nothing. A day with "
        "marks that the file takes out of the calendar (a closure added afterwards) "
        "refuses the file, listing the marks, unless --close-marked-sessions gives the "
        "reason to close it in full (its marks amended to #, by the system)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the school's setup file (.toml)")
        parser.add_argument(
            "--close-marked-sessions",
            default="",
            metavar="REASON",
            help="close days that already have marks in full: amend their marks to # "
            "(planned closure) with this reason, recorded as the system's amendment",
        )

    def handle(self, *args, file, close_marked_sessions="", **options):
        try:
            done = school_setup_from_file(path=file, close_marked_sessions=close_marked_sessions)
        except SetupRefused as exc:
            raise CommandError(exc.report()) from exc
        for line in done.lines:
            self.stdout.write(line)
