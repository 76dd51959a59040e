from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp import verify_token


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
        for device in self.devices:
            self.device = verify_token(device.user, device.persistent_id, code)
            if self.device is not None:
                return code
        raise ValidationError(self.invalid_message, code="invalid")
