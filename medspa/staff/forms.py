from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice


class OneTimeCodeForm(forms.Form):
    """A code from an authenticator app or a recovery code, checked against
    ``devices``. Each code works once: the device remembers the last time step
    it accepted, and a recovery code is deleted when used."""

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

    def __init__(self, *args, devices, invalid_message, **kwargs):
        super().__init__(*args, **kwargs)
        self.devices = devices
        self.invalid_message = invalid_message
        self.device = None

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split()).lower()
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
        # (1, 2, 4... seconds): say so rather than "did not work".
        if any(not device.verify_is_allowed()[0] for device in devices):
            raise ValidationError(
                _("Too many wrong codes in a row: wait a minute, then try again."),
                code="throttled",
            )
        raise ValidationError(self.invalid_message, code="invalid")
