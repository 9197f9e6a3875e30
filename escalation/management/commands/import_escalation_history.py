"""`manage.py import_escalation_history SCHOOL FILE.csv` (DESIGN.md §9): earlier stages
and issued penalty notices from a previous system, all or nothing (columns `upn, date,
track, to_stage, kind, parent_priority, notice_number`)."""

from django.core.management.base import CommandError

from registers.cli import ImportCommand, school_by_slug
from registers.imports import ImportRefused, read_csv
from registers.tenancy import school_scope

from ...services.history import COLUMNS, history_import


class Command(ImportCommand):
    help = (
        f"Import escalation history from a CSV file with the columns {', '.join(COLUMNS)}: "
        "earlier stages of the attendance, punctuality and legal tracks, and penalty notices "
        "issued (track legal, to_stage penalty_notice, with parent_priority and "
        "notice_number 1 or 2). One bad row refuses the whole file."
    )

    def handle(self, *args, school, file, **options):
        school = school_by_slug(school)
        with school_scope(school):
            try:
                done = history_import(school=school, rows=read_csv(file))
            except ImportRefused as exc:
                raise CommandError(exc.report()) from exc
        self.stdout.write(
            f"Escalation history of {school.name}: {done.cases} cases, {done.stages} stage "
            f"entries, {done.notices} penalty notices imported."
        )
