"""The SMS interface (booking.sms): one send function, backends chosen by a
setting, the HTTP one tried against a local server (no provider is called),
and the system check for its settings."""

import base64
import http.server
import threading
import time
import traceback
import urllib.parse

import pytest
from django.core.checks.registry import registry

from booking import checks, sms

PHONE = "+12175440123"


@pytest.fixture
def provider():
    """A stand-in SMS provider on 127.0.0.1 that records each request and
    answers with `provider.status` after `provider.delay` seconds."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            server.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "form": urllib.parse.parse_qs(self.rfile.read(length).decode()),
                }
            )
            time.sleep(server.delay)
            self.send_response(server.status)
            self.end_headers()
            # A real provider's error may quote the number back.
            self.wfile.write(f'{{"to": "{PHONE}"}}'.encode())

        def log_message(self, *args):
            pass  # keep the test output quiet

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # a client that gave up waiting: expected in the timeout test

    server = Server(("127.0.0.1", 0), Handler)
    server.requests, server.status, server.delay = [], 201, 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_backend(settings, provider):
    host, port = provider.server_address
    settings.SMS_BACKEND = "booking.sms.HttpBackend"
    settings.SMS_API_URL = f"http://{host}:{port}/2010-04-01/Accounts/AC1/Messages.json"
    settings.SMS_API_USER = "AC1"
    settings.SMS_API_PASSWORD = "secret-token"
    settings.SMS_FROM = "+15555550142"
    return provider


def test_the_memory_backend_keeps_each_message(settings):
    settings.SMS_BACKEND = "booking.sms.MemoryBackend"
    sms.outbox.clear()
    sms.send_sms(PHONE, "Hello")
    assert sms.outbox == [sms.Sms(to=PHONE, body="Hello")]
    sms.outbox.clear()


def test_the_console_backend_prints_the_message(settings, capsys):
    settings.SMS_BACKEND = "booking.sms.ConsoleBackend"
    sms.send_sms(PHONE, "Hello there")
    printed = capsys.readouterr().out
    assert PHONE in printed
    assert "Hello there" in printed


def test_the_http_backend_posts_the_message_with_basic_auth(http_backend):
    sms.send_sms(PHONE, "Maria, reminder: 9:00 AM")
    (request,) = http_backend.requests
    assert request["path"] == "/2010-04-01/Accounts/AC1/Messages.json"
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {
        "To": [PHONE],
        "From": ["+15555550142"],
        "Body": ["Maria, reminder: 9:00 AM"],
    }
    scheme, credentials = request["headers"]["Authorization"].split()
    assert scheme == "Basic"
    assert base64.b64decode(credentials).decode() == "AC1:secret-token"


@pytest.mark.parametrize("status", [400, 401, 500])
def test_a_refusal_raises_an_os_error_that_does_not_name_the_number(
    http_backend, status
):
    http_backend.status = status
    with pytest.raises(OSError) as raised:
        sms.send_sms(PHONE, "Hello")
    assert isinstance(raised.value, sms.SmsDeliveryFailed)
    assert str(status) in str(raised.value)
    # Not in the message, nor in the traceback a logger would print.
    assert PHONE not in "".join(traceback.format_exception(raised.value))


def test_an_unreachable_provider_raises_an_os_error(settings):
    settings.SMS_BACKEND = "booking.sms.HttpBackend"
    settings.SMS_API_URL = "http://127.0.0.1:1/Messages.json"  # nothing listens
    with pytest.raises(sms.SmsDeliveryFailed) as raised:
        sms.send_sms(PHONE, "Hello")
    assert PHONE not in "".join(traceback.format_exception(raised.value))


def test_a_provider_that_does_not_answer_in_time_raises(http_backend, monkeypatch):
    monkeypatch.setattr(sms, "HTTP_TIMEOUT_SECONDS", 0.2)
    http_backend.delay = 1
    started = time.monotonic()
    with pytest.raises(sms.SmsDeliveryFailed):
        sms.send_sms(PHONE, "Hello")
    assert time.monotonic() - started < 1


@pytest.mark.parametrize(
    "url", ["", "not a url", "http://[::1/Messages.json", "https://a b.example/x"]
)
def test_an_unusable_api_url_raises_an_os_error_that_does_not_name_the_number(
    settings, url
):
    """The senders catch OSError and go on with the other messages; a
    ValueError from urllib would stop them all."""
    settings.SMS_BACKEND = "booking.sms.HttpBackend"
    settings.SMS_API_URL = url
    with pytest.raises(sms.SmsDeliveryFailed) as raised:
        sms.send_sms(PHONE, "Hello")
    assert PHONE not in "".join(traceback.format_exception(raised.value))


# --- the system check -------------------------------------------------------------


@pytest.fixture
def http_settings(settings):
    settings.SMS_BACKEND = "booking.sms.HttpBackend"
    settings.SMS_API_URL = (
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json"
    )
    settings.SMS_API_USER = "AC1"
    settings.SMS_API_PASSWORD = "secret-token"
    settings.SMS_FROM = "+15555550142"
    return settings


def test_complete_http_settings_pass_the_system_check(http_settings):
    assert checks.sms_http_backend_check(None) == []


def test_other_backends_need_no_api_settings(settings):
    settings.SMS_BACKEND = "booking.sms.ConsoleBackend"
    settings.SMS_API_URL = ""
    assert checks.sms_http_backend_check(None) == []


@pytest.mark.parametrize(
    "url",
    [
        "",
        "api.twilio.com/Messages.json",
        "http://api.twilio.com/Messages.json",
        "https://",
        "https://[::1/Messages.json",
        "file:///etc/passwd",
    ],
)
def test_an_api_url_that_is_not_https_fails_the_system_check(http_settings, url):
    http_settings.SMS_API_URL = url
    (error,) = checks.sms_http_backend_check(None)
    assert error.id == "booking.E003"
    assert "SMS_API_URL" in error.msg


@pytest.mark.parametrize("name", ["SMS_API_USER", "SMS_API_PASSWORD", "SMS_FROM"])
def test_an_empty_credential_or_sender_fails_the_system_check(http_settings, name):
    setattr(http_settings, name, "")
    (error,) = checks.sms_http_backend_check(None)
    assert error.id == "booking.E003"
    assert name in error.msg


def test_the_sms_check_is_registered():
    assert checks.sms_http_backend_check in registry.get_checks()
