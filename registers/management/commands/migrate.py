"""`manage.py migrate` as the tables' owner when MIGRATION_DATABASE_URL is set.

The application's own role (DATABASE_URL) may read and write rows but owns no table, so
it cannot create or alter them, nor switch row-level security off (registers.rls). The
default connection is re-pointed at the owner for this command only: every migration,
including data migrations that use the default manager, then runs on one connection (two
would wait on each other's locks).
"""

from django.conf import settings
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

OWNER_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        owner = settings.MIGRATION_DATABASE
        if owner and options["database"] == DEFAULT_DB_ALIAS:
            connection = connections[DEFAULT_DB_ALIAS]
            connection.close()
            connection.settings_dict.update({key: owner[key] for key in OWNER_KEYS if key in owner})
        return super().handle(*args, **options)
