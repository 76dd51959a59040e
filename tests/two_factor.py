"""The authenticator app, for tests: a confirmed TOTP device and its codes."""

from base64 import b32decode

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_app(user) -> TOTPDevice:
    """The user's confirmed authenticator app, set up now if they had none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app")


def code_for(device: TOTPDevice) -> str:
    """The code the app shows now for ``device``."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def code_for_secret(secret: str) -> str:
    """The code an app shows now after being given ``secret``, the base32 key
    the set-up page shows."""
    return code_for(TOTPDevice(key=b32decode(secret.replace(" ", "")).hex()))
