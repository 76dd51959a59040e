"""Second factors for tests: a confirmed TOTP device and its codes, and a
passkey that signs like a browser's."""

import hashlib
import json
import secrets
from base64 import b32decode

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers import bytes_to_base64url


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


class SoftPasskey:
    """A passkey for tests: a P-256 key saved for ``user`` as a credential, which
    signs assertions as a browser would send them to the authentication view."""

    def __init__(self, user, *, confirmed: bool = True):
        self.key = ec.generate_private_key(ec.SECP256R1())
        numbers = self.key.public_key().public_numbers()
        self.credential_id = secrets.token_bytes(16)
        self.sign_count = 0
        self.device = WebAuthnCredential.objects.create(
            user=user,
            confirmed=confirmed,
            credential_id=self.credential_id,
            # COSE_Key: EC2, ES256, curve P-256, x, y.
            public_key=cbor2.dumps(
                {
                    1: 2,
                    3: -7,
                    -1: 1,
                    -2: numbers.x.to_bytes(32, "big"),
                    -3: numbers.y.to_bytes(32, "big"),
                }
            ),
            aaguid="00000000-0000-0000-0000-000000000000",
        )

    def assertion(self, options: dict, *, origin: str) -> dict:
        """The answer to the options the begin view returned."""
        client_data = json.dumps(
            {
                "type": "webauthn.get",
                "challenge": options["challenge"],
                "origin": origin,
                "crossOrigin": False,
            }
        ).encode()
        self.sign_count += 1
        # rpIdHash, flags (user present), signature counter.
        authenticator_data = (
            hashlib.sha256(options["rpId"].encode()).digest()
            + b"\x01"
            + self.sign_count.to_bytes(4, "big")
        )
        signature = self.key.sign(
            authenticator_data + hashlib.sha256(client_data).digest(),
            ec.ECDSA(hashes.SHA256()),
        )
        credential_id = bytes_to_base64url(self.credential_id)
        return {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "response": {
                "authenticatorData": bytes_to_base64url(authenticator_data),
                "clientDataJSON": bytes_to_base64url(client_data),
                "signature": bytes_to_base64url(signature),
            },
            "clientExtensionResults": {},
        }
