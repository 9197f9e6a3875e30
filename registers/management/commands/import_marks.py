from django.core.management.base import BaseCommand, CommandError

from registers.imports import MARK_COLUMNS, ImportRefused, marks_import, read_csv

from ._common import school_by_slug


class Command(BaseCommand):
    help = (
        "Import register history from a CSV file with the columns "
        f"{', '.join(MARK_COLUMNS)} (session AM or PM; minutes_late only with L or U). "
        "The whole file is refused on a bad code, a date with no such session, a pupil "
        "not on roll that day or a row given twice. A row equal to a saved mark changes "
        "nothing; a row that differs from a saved mark refuses the file unless "
        "--amend-reason is given, and then each change is recorded as an amendment."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("file", help="the CSV file")
        parser.add_argument(
            "--amend-reason",
            default="",
            help="why saved marks are being changed (recorded with each amendment)",
        )

    def handle(self, *args, school, file, amend_reason, **options):
        school = school_by_slug(school)
        try:
            done = marks_import(school=school, rows=read_csv(file), amend_reason=amend_reason)
        except ImportRefused as exc:
            raise CommandError(exc.report()) from exc
        self.stdout.write(
            f"Marks of {school.name}: {done.created} added, {done.amended} amended, "
            f"{done.unchanged} unchanged."
        )
