"""Defence in depth on PostgreSQL: the database itself refuses to delete a mark or an
amendment, or to change an amendment, whatever the application code does."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION registers_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'register records are never deleted (%)', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER registers_mark_no_delete BEFORE DELETE ON registers_mark
    FOR EACH ROW EXECUTE FUNCTION registers_refuse_change();
CREATE TRIGGER registers_amendment_immutable BEFORE DELETE OR UPDATE ON registers_amendment
    FOR EACH ROW EXECUTE FUNCTION registers_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS registers_mark_no_delete ON registers_mark;
DROP TRIGGER IF EXISTS registers_amendment_immutable ON registers_amendment;
DROP FUNCTION IF EXISTS registers_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("registers", "0002_national_codes")]

    operations = [migrations.RunPython(forward, backward)]
