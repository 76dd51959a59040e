from django.db import migrations

# Tables whose writes can change which times are free. For appointments only
# the columns that place them in the calendar count: email stamps do not.
WATCHED = {
    "booking_appointment": (
        "INSERT OR DELETE OR UPDATE OF starts_at, blocked_until, status, "
        "provider_id, room_id, location_id"
    ),
    "booking_providerschedule": "INSERT OR UPDATE OR DELETE",
    "booking_timeoff": "INSERT OR UPDATE OR DELETE",
    "booking_openinghours": "INSERT OR UPDATE OR DELETE",
    "booking_closure": "INSERT OR UPDATE OR DELETE",
    "booking_room": "INSERT OR UPDATE OR DELETE",
    "booking_provider": "INSERT OR UPDATE OR DELETE",
    "booking_provider_treatments": "INSERT OR UPDATE OR DELETE",
    "booking_provider_locations": "INSERT OR UPDATE OR DELETE",
    "booking_location": "INSERT OR UPDATE OR DELETE",
    "booking_treatment": "INSERT OR UPDATE OR DELETE",
}

CREATE_FUNCTION = """
CREATE FUNCTION booking_bump_calendar_version() RETURNS trigger AS $$
BEGIN
    -- An upsert, so the counter survives its row being emptied (a test flush).
    INSERT INTO booking_calendarversion (id, value) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET value = booking_calendarversion.value + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    apps.get_model("booking", "CalendarVersion").objects.get_or_create(pk=1)
    schema_editor.execute(CREATE_FUNCTION)
    for table, events in WATCHED.items():
        schema_editor.execute(
            f"CREATE TRIGGER {table}_calendar_version AFTER {events} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION booking_bump_calendar_version()"
        )


def drop_triggers(apps, schema_editor):
    for table in WATCHED:
        schema_editor.execute(f"DROP TRIGGER {table}_calendar_version ON {table}")
    schema_editor.execute("DROP FUNCTION booking_bump_calendar_version()")


class Migration(migrations.Migration):
    dependencies = [("booking", "0012_calendarversion")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
