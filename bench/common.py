"""What the benchmarks share: Django set-up, a throw-away database, timing, a table.

Each benchmark builds its data in a fresh test database (`test_<name>`) and drops it at
the end, so it never touches real data. The figures that matter are PostgreSQL's: the
benchmarks refuse SQLite unless given --allow-sqlite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(description: str, add_arguments=None) -> argparse.Namespace:
    """Parse the common options (and a benchmark's own, given `add_arguments(parser)`),
    then start Django (settings from the environment)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--allow-sqlite",
        action="store_true",
        help="run on SQLite too (figures are not comparable with PostgreSQL's)",
    )
    parser.add_argument("--repeat", type=int, default=0, help="repetitions (default per bench)")
    if add_arguments:
        add_arguments(parser)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_mis.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor == "sqlite" and not args.allow_sqlite:
        sys.exit(
            "This benchmark measures PostgreSQL: run it with `make bench` "
            "(or set DATABASE_URL), or pass --allow-sqlite for a rough local figure."
        )
    return args


@contextmanager
def throwaway_database():
    """A fresh, migrated test database for the benchmark, dropped afterwards."""
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def describe_database() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            version = f"{connection.vendor} {connection.Database.sqlite_version}"
    return f"{version}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"


class Stopwatch:
    """Elapsed time of a block, in milliseconds."""

    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.ms = (time.perf_counter() - self.started) * 1000


def median(values) -> float:
    return statistics.median(values)


def table(headers: list[str], rows: list[list]) -> str:
    cells = [headers] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
