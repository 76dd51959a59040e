import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse
from django_otp import user_has_device

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
                manager = User.objects.create_superuser(USERNAME, password=password)
            else:
                manager.set_password(password)
                manager.save(update_fields=["password"])
            PASSWORD_FILE.touch(mode=0o600)
            PASSWORD_FILE.write_text(password)
        # A file written before this was made readable by others too.
        PASSWORD_FILE.chmod(0o600)
        password = PASSWORD_FILE.read_text()
        kept_in = PASSWORD_FILE.relative_to(settings.BASE_DIR)
        # Where `make run` starts the server (its HOST and PORT), not SITE_URL.
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        if user_has_device(manager):
            second_step = (
                "  Then enter the code your authenticator app shows, or one of the\n"
                "  recovery codes.\n"
            )
        else:
            second_step = (
                "  The first sign-in asks you to set up two-step sign-in: scan the\n"
                "  QR code with an authenticator app on your phone (Google\n"
                "  Authenticator, Microsoft Authenticator, FreeOTP...), enter the\n"
                "  code it shows, and keep the recovery codes. After that, every\n"
                "  sign-in asks for a code.\n"
            )
        self.stdout.write(
            "Staff sign-in (demo):\n"
            f"  http://{host}:{port}{reverse('admin:index')}\n"
            f"  username: {USERNAME}\n"
            f"  password: {password}  (made for this demo, kept in {kept_in})\n"
            f"{second_step}"
            f"  Lost the phone: python manage.py reset_staff_two_factor {USERNAME}\n"
            f"  Locked out: python manage.py axes_reset_username {USERNAME}"
        )
