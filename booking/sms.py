"""Text messages: one function, send_sms(), and a backend chosen by
settings.SMS_BACKEND, as Django does for email.

Neither the backends nor their errors put the phone number or the text into a
log line or an exception message: both are patient data.
"""

import base64
import http.client
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

# Well below the task worker's patience, well above a provider's usual answer.
HTTP_TIMEOUT_SECONDS = 10


class SmsDeliveryFailed(OSError):
    """The provider did not accept the message; says why only in general terms.

    An OSError, like the mail server's errors, so the senders' retry and
    send-the-rest handling covers both.
    """


@dataclass(frozen=True)
class Sms:
    to: str
    body: str


def send_sms(to: str, body: str) -> None:
    """Send one text message to an E.164 number through settings.SMS_BACKEND."""
    import_string(settings.SMS_BACKEND)().send(Sms(to=to, body=body))


class ConsoleBackend:
    """Writes each message to stdout, for development."""

    def send(self, message: Sms) -> None:
        sys.stdout.write(f"SMS to {message.to}:\n{message.body}\n\n")


# What MemoryBackend sent, oldest first; tests empty it.
outbox: list[Sms] = []


class MemoryBackend:
    """Keeps each message in `outbox`, for tests."""

    def send(self, message: Sms) -> None:
        outbox.append(message)


class HttpBackend:
    """Posts To, From and Body, form-encoded, to SMS_API_URL with HTTP basic
    auth (SMS_API_USER, SMS_API_PASSWORD).

    That is the shape of Twilio's Messages API: SMS_API_URL
    https://api.twilio.com/2010-04-01/Accounts/<Account SID>/Messages.json, the
    Account SID as user and the Auth Token as password.
    """

    def send(self, message: Sms) -> None:
        # Building the request is inside the try too: an empty or malformed
        # SMS_API_URL raises ValueError there, which must fail this message
        # like an outage does, not abort the sender's whole sweep.
        try:
            credentials = f"{settings.SMS_API_USER}:{settings.SMS_API_PASSWORD}"
            request = urllib.request.Request(
                settings.SMS_API_URL,
                data=urllib.parse.urlencode(
                    {"To": message.to, "From": settings.SMS_FROM, "Body": message.body}
                ).encode(),
                headers={
                    "Authorization": "Basic "
                    + base64.b64encode(credentials.encode()).decode(),
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS):
                pass  # any 2xx: accepted (urlopen raises on the others)
        except urllib.error.HTTPError as error:
            # The answer's body may quote the number; the status says enough.
            raise SmsDeliveryFailed(
                f"The SMS provider answered HTTP {error.code}"
            ) from None
        except (OSError, http.client.HTTPException) as error:
            # HTTPException: a garbled answer, or a URL http.client refuses.
            raise SmsDeliveryFailed(
                f"The SMS provider could not be reached ({type(error).__name__})"
            ) from None
        except ValueError as error:  # SMS_API_URL empty or not a URL
            raise SmsDeliveryFailed(
                "The SMS settings are not usable; see `manage.py check` "
                f"({type(error).__name__})"
            ) from None
