from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Content editors"
MODELS = ("article", "category", "bodyimage")
ACTIONS = ("add", "change", "delete", "view")


def create_group(apps, schema_editor):
    # On a fresh database permissions are only created after all migrations;
    # create blog's now so the group can receive them.
    app_config = apps.get_app_config("blog")
    models_module = getattr(app_config, "models_module", None)
    # create_permissions() skips apps without a models module, as migration
    # state apps are.
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="blog",
            codename__in=[f"{action}_{model}" for model in MODELS for action in ACTIONS],
        )
    )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("blog", "0002_body_image"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
