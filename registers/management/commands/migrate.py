"""`manage.py migrate` as the tables' owner when MIGRATION_DATABASE_URL is set.

The application's own role (DATABASE_URL) may read and write rows but owns no table, so
it cannot create or alter them, nor switch row-level security off (registers.rls). The
settings then add a second alias, "owner", for the same database; migrate uses it unless
told another `--database`.
"""

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        if options["database"] == DEFAULT_DB_ALIAS and "owner" in connections.settings:
            options["database"] = "owner"
        return super().handle(*args, **options)
