from django.db import migrations

# Tables whose rows an article page shows besides the articles themselves.
WATCHED = (
    "booking_treatment",
    "booking_location",
    "booking_openinghours",
    "booking_closure",
    "blog_category",
    "blog_article_categories",
    "blog_reviewer",
)

CREATE_FUNCTION = """
CREATE FUNCTION blog_bump_content_version() RETURNS trigger AS $$
BEGIN
    -- An upsert, so the counter survives its row being emptied (a test flush).
    INSERT INTO blog_contentversion (id, value) VALUES (1, 1)
    ON CONFLICT (id) DO UPDATE SET value = blog_contentversion.value + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    apps.get_model("blog", "ContentVersion").objects.get_or_create(pk=1)
    schema_editor.execute(CREATE_FUNCTION)
    for table in WATCHED:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_content_version AFTER INSERT OR UPDATE OR "
            f"DELETE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION "
            "blog_bump_content_version()"
        )


def drop_triggers(apps, schema_editor):
    for table in WATCHED:
        schema_editor.execute(f"DROP TRIGGER {table}_content_version ON {table}")
    schema_editor.execute("DROP FUNCTION blog_bump_content_version()")


class Migration(migrations.Migration):
    dependencies = [
        ("blog", "0010_contentversion"),
        ("booking", "0018_flag_earlier_demo_treatments"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
