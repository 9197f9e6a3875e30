from django.core.management.base import BaseCommand, CommandError

from registers.imports import CONTACT_COLUMNS, ImportRefused, contacts_import, read_csv

from ._common import school_by_slug


class Command(BaseCommand):
    help = (
        "Import pupils' contacts from a CSV file with the columns "
        f"{', '.join(CONTACT_COLUMNS)}, and optionally address (lines separated by '; '). "
        "priority 1 is called first; parental_responsibility is Y or N. A row updates the "
        "contact the pupil already has at that priority, or adds one; contacts not in the "
        "file are kept, and an address is changed only if the file has the column. One bad "
        "row (unknown UPN, bad email or priority...) refuses the whole file."
    )

    def add_arguments(self, parser):
        parser.add_argument("school", help="the school's slug")
        parser.add_argument("file", help="the CSV file")

    def handle(self, *args, school, file, **options):
        school = school_by_slug(school)
        try:
            done = contacts_import(school=school, rows=read_csv(file))
        except ImportRefused as exc:
            raise CommandError(exc.report()) from exc
        self.stdout.write(
            f"Contacts of {school.name}: {done.created} added, {done.updated} updated, "
            f"{done.unchanged} unchanged."
        )
