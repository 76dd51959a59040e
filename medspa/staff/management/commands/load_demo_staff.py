import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

USERNAME = "manager"
# Git-ignored, and gone with the virtualenv: a fresh one makes a new password.
PASSWORD_FILE = settings.BASE_DIR / ".venv" / "demo-manager-password"


class Command(BaseCommand):
    help = (
        "Development only: make the demo's manager account and say how to sign "
        "in for the first time."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "The demo account is for development only: in production, give "
                "each person a named account (manage.py createsuperuser)."
            )
        User = get_user_model()
        manager = User.objects.filter(username=USERNAME).first()
        if manager is None or not PASSWORD_FILE.exists():
            password = secrets.token_urlsafe(12)
            if manager is None:
                User.objects.create_superuser(USERNAME, password=password)
            else:
                manager.set_password(password)
                manager.save(update_fields=["password"])
            PASSWORD_FILE.write_text(password)
        password = PASSWORD_FILE.read_text()
        kept_in = PASSWORD_FILE.relative_to(settings.BASE_DIR)
        self.stdout.write(
            "Staff sign-in (demo):\n"
            f"  {settings.SITE_URL}{reverse('admin:index')}\n"
            f"  username: {USERNAME}\n"
            f"  password: {password}  (made for this demo, kept in {kept_in})\n"
            "  The first sign-in asks you to set up two-step sign-in: scan the QR\n"
            "  code with an authenticator app on your phone (Google Authenticator,\n"
            "  Microsoft Authenticator, FreeOTP...), enter the code it shows, and\n"
            "  keep the recovery codes. After that, every sign-in asks for a code.\n"
            f"  Lost the phone: python manage.py reset_staff_two_factor {USERNAME}\n"
            f"  Locked out: python manage.py axes_reset_username {USERNAME}"
        )
