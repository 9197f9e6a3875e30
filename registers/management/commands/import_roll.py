from django.core.management.base import BaseCommand, CommandError

from registers.imports import ROLL_COLUMNS, ImportRefused, read_csv, roll_import

from ._common import school_by_slug


class Command(BaseCommand):
    help = (
        "Import the roll from a CSV file with the columns "
        f"{', '.join(ROLL_COLUMNS)}. Dates are YYYY-MM-DD; flags Y or N (blank: N); "
        "gender F, M or X; sen N, K or E; year_group N1, N2, R, 1 ... 13. Pupils are "
        "matched by UPN: new ones are added, known ones updated; pupils not in the file "
        "are left as they are. New registration groups are created. One bad row refuses "
        "the whole file, listing the rows (row 2 is the first pupil)."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("file", help="the CSV file")

    def handle(self, *args, school, file, **options):
        school = school_by_slug(school)
        try:
            done = roll_import(school=school, rows=read_csv(file))
        except ImportRefused as exc:
            raise CommandError(exc.report()) from exc
        self.stdout.write(
            f"Roll of {school.name}: {done.created} pupils added, {done.updated} updated, "
            f"{done.unchanged} unchanged."
        )
        if done.groups_created:
            self.stdout.write(f"New registration groups: {', '.join(done.groups_created)}.")
