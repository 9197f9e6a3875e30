from registers.cli import ImportCommand
from registers.imports import MARK_COLUMNS, marks_import


class Command(ImportCommand):
    help = (
        "Import register history from a CSV file with the columns "
        f"{', '.join(MARK_COLUMNS)} (session AM or PM; minutes_late only with L or U). "
        "The whole file is refused on a bad code, a date with no such session, a pupil "
        "not on roll that day or a row given twice. A row equal to a saved mark changes "
        "nothing; a row that differs from a saved mark refuses the file unless "
        "--amend-reason is given, and then each change is recorded as an amendment."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--amend-reason",
            default="",
            help="why saved marks are being changed (recorded with each amendment)",
        )

    def run_import(self, *, school, rows, amend_reason, **options):
        return marks_import(school=school, rows=rows, amend_reason=amend_reason)

    def summary(self, *, school, done) -> str:
        return (
            f"Marks of {school.name}: {done.created} added, {done.amended} amended, "
            f"{done.unchanged} unchanged."
        )
