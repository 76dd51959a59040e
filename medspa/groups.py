"""Staff groups that come with the site, made from data migrations and tests.

The migrations already on main carry their own copy of this workaround and must
not be edited; new group migrations and the test fixture that restores flushed
groups call this one.
"""

from django.contrib.auth.management import create_permissions

_ABSENT = object()


def create_group_with_permissions(apps, name: str, *permissions: str):
    """Get or create the group ``name`` and give it ``permissions``.

    Each permission is written ``"app_label.codename"``, as in ``has_perm``.
    Works with the live app registry and with a migration's historical ``apps``.
    Permissions are only added, never removed, so a rerun keeps what staff
    granted since. A permission that does not exist raises ``LookupError``.
    """
    wanted = {tuple(permission.split(".", 1)) for permission in permissions}
    for app_label in sorted({app_label for app_label, _codename in wanted}):
        _create_app_permissions(apps, app_label)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    found = [
        permission
        for permission in Permission.objects.filter(
            content_type__app_label__in={app_label for app_label, _ in wanted},
            codename__in={codename for _, codename in wanted},
        ).select_related("content_type")
        if (permission.content_type.app_label, permission.codename) in wanted
    ]
    missing = wanted - {(p.content_type.app_label, p.codename) for p in found}
    if missing:
        names = ", ".join(sorted(".".join(pair) for pair in missing))
        raise LookupError(f"No such permission for group {name!r}: {names}")

    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(*found)
    return group


def _create_app_permissions(apps, app_label: str) -> None:
    # On a fresh database permissions are only created after all migrations
    # (post_migrate); a group made by a migration needs them now.
    app_config = apps.get_app_config(app_label)
    models_module = getattr(app_config, "models_module", _ABSENT)
    # create_permissions() skips app configs without a models module, as a
    # migration's historical ones are; lend one and always give back exactly
    # what was there, since a changed registry misleads whoever uses it next.
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        if models_module is _ABSENT:
            del app_config.models_module
        else:
            app_config.models_module = models_module


def remove_group_permissions(apps, name: str, *permissions: str) -> None:
    """Take ``permissions`` (``"app_label.codename"``) from the group ``name``,
    if it exists: the reverse of a migration that granted them."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=name).first()
    if group is None:
        return
    wanted = {tuple(permission.split(".", 1)) for permission in permissions}
    group.permissions.remove(
        *(
            permission
            for permission in Permission.objects.select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        )
    )
