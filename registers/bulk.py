"""Writing many new marks at once (imports, the demo trust): prepared rows, not models.

A year of a large school is ~400,000 marks. Building a Mark for each and letting
bulk_create prepare every value costs about half a millisecond a row, which made
imports and the demo take minutes; rows of prepared values take seconds. Callers have
checked every value already (against preloaded pupils, sessions and codes).
"""

from functools import lru_cache

from django.db import connection, transaction

from .models import Mark

MARK_COLUMNS = (
    "school",
    "pupil",
    "session",
    "date",
    "code",
    "minutes_late",
    "note",
    "reason",
    "source",
    "recorded_by",
    "recorded_at",
    "version",
)
# Rows per INSERT where there is no COPY: below SQLite's 999-parameter limit too.
_ROWS_PER_INSERT = 999 // len(MARK_COLUMNS)


def db_date(value):
    return connection.ops.adapt_datefield_value(value)


def db_datetime(value):
    return connection.ops.adapt_datetimefield_value(value)


@lru_cache(maxsize=4)
def _columns() -> str:
    quote = connection.ops.quote_name
    return ", ".join(quote(Mark._meta.get_field(name).column) for name in MARK_COLUMNS)


def marks_insert(rows: list[tuple]) -> int:
    """Insert new marks, each a tuple in MARK_COLUMNS order with ids for foreign keys,
    dates through `db_date` and times through `db_datetime`. Returns the count. All or
    none: the batches of one call are one transaction (a savepoint inside a caller's)."""
    table = connection.ops.quote_name(Mark._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times quicker than any INSERT of this many rows.
            with cursor.cursor.copy(f"COPY {table} ({_columns()}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return len(rows)
        one = "({})".format(", ".join(["%s"] * len(MARK_COLUMNS)))
        for start in range(0, len(rows), _ROWS_PER_INSERT):
            batch = rows[start : start + _ROWS_PER_INSERT]
            cursor.execute(
                f"INSERT INTO {table} ({_columns()}) VALUES " + ", ".join([one] * len(batch)),
                [value for row in batch for value in row],
            )
    return len(rows)
