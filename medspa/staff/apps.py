from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    """Staff sign-in: the second factor, session limits and their commands."""

    name = "medspa.staff"
    label = "staff"
    verbose_name = _("Staff sign-in")
    default = True

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from medspa.staff.middleware import stamp_sign_in

        user_logged_in.connect(stamp_sign_in, dispatch_uid="staff_stamp_sign_in")


class StaffAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with a default site that asks for a second factor,
    so every app's @admin.register lands on it unchanged."""

    default = False
    default_site = "medspa.staff.admin_site.StaffAdminSite"
