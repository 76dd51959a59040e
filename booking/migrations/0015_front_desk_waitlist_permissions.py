from django.db import migrations

from medspa.groups import create_group_with_permissions, remove_group_permissions

FRONT_DESK = "Front desk"
# The front desk sees the waitlist and takes patients off it; entries are made
# by patients only, and never deleted by hand (they expire).
PERMISSIONS = [
    ("booking", "view_waitlistentry"),
    ("booking", "change_waitlistentry"),
]


def grant(apps, schema_editor):
    create_group_with_permissions(
        apps, FRONT_DESK, *(f"{app}.{codename}" for app, codename in PERMISSIONS)
    )


def revoke(apps, schema_editor):
    remove_group_permissions(
        apps, FRONT_DESK, *(f"{app}.{codename}" for app, codename in PERMISSIONS)
    )


class Migration(migrations.Migration):
    dependencies = [("booking", "0014_after_booking_manage_reminders_waitlist")]

    operations = [migrations.RunPython(grant, revoke)]
