import math
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp import verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def typed_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


class NewAppForm(CodeForm):
    """The first code of an authenticator app just given ``app``'s secret, which
    is not saved yet: only a confirmed app is."""

    def __init__(self, *args, app: TOTPDevice, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app

    def clean_code(self):
        code = self.typed_code()
        app = self.app
        totp = TOTP(app.bin_key, app.step, app.t0, app.digits, app.drift)
        if not (
            code.isdigit()
            and len(code) == app.digits
            and totp.verify(int(code), app.tolerance)
        ):
            raise ValidationError(
                _(
                    "That code did not work. Check that your phone sets its clock "
                    "automatically, then enter the code the app shows now."
                ),
                code="invalid",
            )
        # As django-otp does on a match: this code, and any before it, is used.
        app.last_t = totp.t()
        app.drift = totp.drift
        return code


class OneTimeCodeForm(CodeForm):
    """A code from an authenticator app or a recovery code, checked against
    ``devices``. Each code works once: the device remembers the last time step
    it accepted, and a recovery code is deleted when used."""

    def __init__(self, *args, devices, **kwargs):
        super().__init__(*args, **kwargs)
        self.devices = devices
        self.device = None

    def clean_code(self):
        code = self.typed_code()
        # An app's code only goes to apps, so a recovery code does not count as
        # a wrong guess against the app (which would slow the next sign-in).
        devices = [
            device
            for device in self.devices
            if not isinstance(device, TOTPDevice)
            or (code.isdigit() and len(code) == device.digits)
        ]
        for device in devices:
            self.device = verify_token(device.user, device.persistent_id, code)
            if self.device is not None:
                return code
        # After wrong codes django-otp refuses even a right one for a while
        # (1, 2, 4... seconds): say so, and for how long, rather than "did not
        # work".
        locks = [
            throttle["locked_until"]
            for allowed, throttle in (device.verify_is_allowed() for device in devices)
            if not allowed
        ]
        if locks:
            raise ValidationError(
                _("Too many wrong codes in a row: wait %(wait)s, then try again."),
                code="throttled",
                params={"wait": wait_text(max(locks))},
            )
        raise ValidationError(
            _(
                "That code did not work. Enter the code your authenticator app "
                "shows now (each code works once), or one of your recovery codes."
            ),
            code="invalid",
        )


def wait_text(until: datetime) -> str:
    seconds = math.ceil((until - timezone.now()).total_seconds())
    if seconds <= 90:
        return ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
