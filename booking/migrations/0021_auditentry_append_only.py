from django.db import migrations

# The trail is append-only in the database itself, not only in the admin: an
# UPDATE or DELETE of an entry fails, whoever sends it (a shell, a script, a
# bug). TRUNCATE (a test database's flush) is not affected.
APPEND_ONLY = """
CREATE FUNCTION booking_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'booking_auditentry is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER booking_auditentry_append_only
    BEFORE UPDATE OR DELETE ON booking_auditentry
    FOR EACH ROW EXECUTE FUNCTION booking_auditentry_append_only();
"""
DROP = """
DROP TRIGGER booking_auditentry_append_only ON booking_auditentry;
DROP FUNCTION booking_auditentry_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("booking", "0020_managers_group")]

    operations = [migrations.RunSQL(APPEND_ONLY, DROP)]
