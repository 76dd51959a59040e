from django.db import migrations

from medspa.groups import create_group_with_permissions, remove_group_permissions

FRONT_DESK = "Front desk"
MANAGERS = "Managers"
# What a manager may do beyond the front desk (a manager is in both groups):
# take patient data out of the system and read the audit trail. Users and
# groups stay with the superusers: whoever may change users may make
# themselves a superuser.
PERMISSIONS = [
    "booking.export_appointmentrequest",
    "booking.view_auditentry",
]
# Taken from the front desk, which works requests but never exports them
# (SECURITY.md checklist 16).
MOVED_FROM_FRONT_DESK = ["booking.export_appointmentrequest"]


def forwards(apps, schema_editor):
    create_group_with_permissions(apps, MANAGERS, *PERMISSIONS)
    remove_group_permissions(apps, FRONT_DESK, *MOVED_FROM_FRONT_DESK)


def backwards(apps, schema_editor):
    create_group_with_permissions(apps, FRONT_DESK, *MOVED_FROM_FRONT_DESK)
    # Only what this migration granted: the group, its members and what the
    # clinic gave it since stay.
    remove_group_permissions(apps, MANAGERS, *PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("booking", "0019_auditentry_action_searched")]

    operations = [migrations.RunPython(forwards, backwards)]
