from registers.cli import ImportCommand
from registers.imports import CONTACT_COLUMNS, contacts_import


class Command(ImportCommand):
    help = (
        "Import pupils' contacts from a CSV file with the columns "
        f"{', '.join(CONTACT_COLUMNS)}, and optionally address (lines separated by '; '). "
        "priority 1 is called first; parental_responsibility is Y or N. A row updates the "
        "contact the pupil already has at that priority, or adds one; contacts not in the "
        "file are kept, and an address is changed only if the file has the column. One bad "
        "row (unknown UPN, bad email or priority...) refuses the whole file."
    )

    def run_import(self, *, school, rows, **options):
        return contacts_import(school=school, rows=rows)

    def summary(self, *, school, done) -> str:
        return (
            f"Contacts of {school.name}: {done.created} added, {done.updated} updated, "
            f"{done.unchanged} unchanged."
        )
