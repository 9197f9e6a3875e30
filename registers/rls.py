"""PostgreSQL row-level security: the database's own tenant filter (DESIGN.md §3, defence
in depth under django-scopes).

Every school-owned table (a `school_id` column; `school_owned_models()`) has row-level
security enabled and one policy, `school_rows`: a row is visible, and may be written,
only if its `school_id` is in the setting `app.school_ids` (comma-separated ids) or
`app.all_schools` is `on`. Unset means no rows: the database fails closed.

Who sets them: `registers.tenancy` keeps which schools are selected (`school_scope`,
`trust_scope`, `all_schools`, entered by SchoolMiddleware, SchoolTask, commands). The
execute wrapper below, installed on every PostgreSQL connection, sends that selection
before a query when it differs from what the connection holds, with an uncounted query
on the raw connection (so pinned query counts do not change):

- outside a transaction (Django's autocommit): `set_config(..., false)`, a session value,
  sent only when the selection changes; the wrapper remembers it per connection;
- inside a transaction: `set_config(..., true)` before every query, which PostgreSQL
  undoes at the transaction's end (commit or rollback) and a rolled-back savepoint
  undoes too, so a value can never outlive the work that chose it.

So the database always sees what the code selected, whichever request or task used the
connection before (persistent connections are safe; PgBouncer in transaction pooling
mode is not, because the session value lives on one server connection).

This only matters when the app connects as a role that does not own the tables (the
owner and superusers bypass row-level security): `settings.DATABASE_RLS` turns the
wrapper on; migrations run as the owner (`MIGRATION_DATABASE_URL`). On SQLite there is
no row-level security and django-scopes is the only tenant filter.
"""

from django.apps import apps
from django.conf import settings
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from psycopg.pq import TransactionStatus

from .tenancy import ALL, database_scope

# A school-owned table whose rows must be readable before any school is selected, and
# why. Everything else with a `school` column gets the policy; a test fails otherwise.
EXEMPT = {
    # Roles are read to decide whether a user may enter a school (the middleware, before
    # any scope); a trust lead's rows have no school. The user's own rows only.
    "registers.Membership": "roles are looked up before a school is selected",
}

# The policy's condition: a row of a selected school, or every row in cross-school work.
CONDITION = (
    "current_setting('app.all_schools', true) = 'on' OR school_id = ANY ("
    "string_to_array(current_setting('app.school_ids', true), ',')::bigint[])"
)


def enable_sql(table: str) -> str:
    """SQL that turns row-level security on for one table (migrations use it)."""
    return (
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n"
        f"CREATE POLICY school_rows ON {table} USING ({CONDITION}) WITH CHECK ({CONDITION});\n"
    )


def disable_sql(table: str) -> str:
    return (
        f"DROP POLICY IF EXISTS school_rows ON {table};\n"
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;\n"
    )


def school_owned_models() -> list:
    """Every installed model with a `school` column pointing at School, except EXEMPT."""
    school = apps.get_model("registers", "School")
    found = []
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "school"), None)
        if field is None or not field.is_relation or field.related_model is not school:
            continue
        if model._meta.label not in EXEMPT:
            found.append(model)
    return found


# ---- Sending the selection ----------------------------------------------------------------

SET_SQL = "SELECT set_config('app.school_ids', %s, %s), set_config('app.all_schools', %s, %s)"


def settings_for(selection) -> tuple[str, str]:
    """(app.school_ids, app.all_schools) for a `registers.tenancy.database_scope()`."""
    if selection == ALL:
        return "", "on"
    return ",".join(str(int(i)) for i in selection), "off"


def send_selection(connection) -> None:
    """Make the connection's settings match the code's selection (see the module doc)."""
    wanted = settings_for(database_scope())
    raw = connection.connection
    if raw.info.transaction_status == TransactionStatus.INERROR:
        return  # only ROLLBACK (TO SAVEPOINT) runs now, and it reads no rows
    in_transaction = connection.in_atomic_block or not connection.autocommit
    if not in_transaction:
        held = getattr(connection, "_rls_session", None)
        if held is not None and held[0] is raw and held[1] == wanted:
            return
    with raw.cursor() as cursor:
        cursor.execute(SET_SQL, [wanted[0], in_transaction, wanted[1], in_transaction])
    if not in_transaction:
        connection._rls_session = (raw, wanted)


def rls_execute_wrapper(execute, sql, params, many, context):
    if settings.DATABASE_RLS:
        send_selection(context["connection"])
    return execute(sql, params, many, context)


@receiver(connection_created, dispatch_uid="registers_rls_wrapper")
def _install(sender, connection, **kwargs):
    if connection.vendor != "postgresql":
        return
    connection._rls_session = None  # a new server session holds nothing yet
    if rls_execute_wrapper not in connection.execute_wrappers:
        # First, so it runs outermost; and a `with connection.execute_wrapper(...)`
        # that was open when the connection opened pops its own wrapper, not this one.
        connection.execute_wrappers.insert(0, rls_execute_wrapper)
