from django.core.management.base import BaseCommand, CommandError

from registers.setup import POLICY_PRESETS, SetupRefused, school_setup_from_file


class Command(BaseCommand):
    help = (
        "Create or update a school from a TOML file (see reference/school-example.toml): "
        "its trust, register times, academic years, terms, closures and policy preset "
        f"({', '.join(POLICY_PRESETS)}), then generate its sessions. Re-running with the "
        "same school slug updates it; terms and closures of the years in the file that "
        "the file no longer lists are removed. A bad file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the school's setup file (.toml)")

    def handle(self, *args, file, **options):
        try:
            done = school_setup_from_file(path=file)
        except SetupRefused as exc:
            raise CommandError(exc.report()) from exc
        for line in done.lines:
            self.stdout.write(line)
