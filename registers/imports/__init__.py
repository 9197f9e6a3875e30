"""Imports from the previous MIS: the roll, contacts and register history (DESIGN.md §9).

Every import checks every row before it writes anything. A file with any bad row is
refused whole (`ImportRefused`, listing row numbers and reasons) and nothing is written:
a half-imported roll or history is worse than none, because nobody can tell which half.

Row numbers are spreadsheet rows: row 1 is the header, row 2 the first pupil.

The services take rows as mappings (column -> text), so other code (the demo seeder,
tests) calls them with plain Python data; `read_csv` turns a file into such rows.
Values may also be given typed (dates, booleans, numbers) by Python callers.
One module per kind of file: `roll`, `contacts`, `marks`; `common` holds what they share.
"""

from .common import ImportRefused, RowError, Table, read_csv
from .contacts import CONTACT_COLUMNS, ContactsImported, contacts_import
from .marks import MARK_COLUMNS, MarksImported, marks_import
from .roll import ROLL_COLUMNS, RollImported, roll_import

__all__ = [
    "CONTACT_COLUMNS",
    "MARK_COLUMNS",
    "ROLL_COLUMNS",
    "ContactsImported",
    "ImportRefused",
    "MarksImported",
    "RollImported",
    "RowError",
    "Table",
    "contacts_import",
    "marks_import",
    "read_csv",
    "roll_import",
]
