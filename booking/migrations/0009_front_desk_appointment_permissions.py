from django.db import migrations

from medspa.groups import create_group_with_permissions

FRONT_DESK = "Front desk"
# The front desk books callers, moves, checks in and cancels appointments; it
# never deletes one (a cancelled appointment stays, with its reason).
PERMISSIONS = [
    ("booking", "view_appointment"),
    ("booking", "add_appointment"),
    ("booking", "change_appointment"),
]


def grant(apps, schema_editor):
    create_group_with_permissions(
        apps, FRONT_DESK, *(f"{app}.{codename}" for app, codename in PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=FRONT_DESK).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="booking",
                codename__in=[codename for _app, codename in PERMISSIONS],
            )
        )


class Migration(migrations.Migration):
    dependencies = [("booking", "0008_first_location_from_settings")]

    operations = [migrations.RunPython(grant, revoke)]
