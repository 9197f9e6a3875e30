from registers.cli import ImportCommand, iso_date
from registers.imports import ROLL_COLUMNS, roll_import


class Command(ImportCommand):
    help = (
        "Import the roll from a CSV file with the columns "
        f"{', '.join(ROLL_COLUMNS)}. Dates are YYYY-MM-DD; flags Y or N (blank: N); "
        "gender F, M or X; sen N, K or E; year_group N1, N2, R, 1 ... 13. Pupils are "
        "matched by UPN: new ones are added, known ones updated; pupils not in the file "
        "are left as they are. New registration groups are created. A new pupil is in their "
        "group from on_roll_from; a changed group takes effect on --effective (default: "
        "today), never earlier, so past registers keep who was in them. One bad row "
        "refuses the whole file, listing the rows (row 2 is the first pupil)."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--effective",
            type=iso_date,
            default=None,
            metavar="DATE",
            help="the day a changed registration group takes effect (YYYY-MM-DD; "
            "default: today at the school). A pupil not yet on roll moves from their "
            "first day.",
        )

    def run_import(self, *, school, rows, effective=None, **options):
        return roll_import(school=school, rows=rows, effective=effective)

    def summary(self, *, school, done) -> str:
        text = (
            f"Roll of {school.name}: {done.created} pupils added, {done.updated} updated, "
            f"{done.unchanged} unchanged."
        )
        if done.moved:
            text += (
                f"\n{done.moved} pupils changed registration group from "
                f"{done.effective:%Y-%m-%d} (or their first day on roll, if later)."
            )
        if done.groups_created:
            text += f"\nNew registration groups: {', '.join(done.groups_created)}."
        return text
