from registers.cli import ImportCommand
from registers.imports import ROLL_COLUMNS, roll_import


class Command(ImportCommand):
    help = (
        "Import the roll from a CSV file with the columns "
        f"{', '.join(ROLL_COLUMNS)}. Dates are YYYY-MM-DD; flags Y or N (blank: N); "
        "gender F, M or X; sen N, K or E; year_group N1, N2, R, 1 ... 13. Pupils are "
        "matched by UPN: new ones are added, known ones updated; pupils not in the file "
        "are left as they are. New registration groups are created. One bad row refuses "
        "the whole file, listing the rows (row 2 is the first pupil)."
    )

    def run_import(self, *, school, rows, **options):
        return roll_import(school=school, rows=rows)

    def summary(self, *, school, done) -> str:
        text = (
            f"Roll of {school.name}: {done.created} pupils added, {done.updated} updated, "
            f"{done.unchanged} unchanged."
        )
        if done.groups_created:
            text += f"\nNew registration groups: {', '.join(done.groups_created)}."
        return text
