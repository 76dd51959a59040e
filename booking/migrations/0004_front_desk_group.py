from django.contrib.auth.management import create_permissions
from django.db import migrations

FRONT_DESK = "Front desk"
PERMISSIONS = [
    ("booking", "view_appointmentrequest"),
    ("booking", "change_appointmentrequest"),
    ("booking", "export_appointmentrequest"),
    ("booking", "view_treatment"),
]


def create_front_desk(apps, schema_editor):
    # Permissions are normally created after all migrations; this group needs them now.
    app_config = apps.get_app_config("booking")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=FRONT_DESK)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def remove_front_desk(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=FRONT_DESK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("booking", "0003_appointmentrequest_source_article"),
    ]

    operations = [migrations.RunPython(create_front_desk, remove_front_desk)]
