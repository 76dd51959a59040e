"""Staff sign-in: password, then a second factor; lockout; session limits.

These tests use a plain django.test.Client, never the fixtures' VerifiedClient,
so they exercise the real sign-in.
"""

import datetime
import logging
import re
from base64 import b32decode
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from tests.booking.factories import AppointmentRequestFactory, UserFactory
from tests.booking.test_roles import appointment, calendar  # noqa: F401 (fixtures)
from tests.test_quality import production, production_mode  # noqa: F401 (fixtures)
from tests.two_factor import SoftPasskey, code_for, code_for_secret

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
VERIFY = reverse("admin:two-factor-verify")
ENROL = reverse("admin:two-factor-enrol")
RECOVERY_CODES = reverse("admin:two-factor-recovery-codes")
REQUESTS = reverse("admin:booking_appointmentrequest_changelist")
APPOINTMENTS = reverse("admin:booking_appointment_changelist")
NOON = datetime.datetime(2026, 12, 1, 17, 0, tzinfo=datetime.UTC)


def sign_in_with_password(client, username, password=PASSWORD, **extra):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": INDEX}, **extra
    )


@pytest.fixture
def desk(db):
    return UserFactory(username="desk", groups=["Front desk"])


@pytest.fixture
def app(desk):
    """An authenticator app the front desk user set up before."""
    return TOTPDevice.objects.create(user=desk, name="Phone", confirmed=True)


@pytest.fixture
def recovery_code(desk):
    device = StaticDevice.objects.create(user=desk, name="Recovery codes")
    return device.token_set.create(token="abcd2345").token


@pytest.fixture
def frozen():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def signed_in(client, desk, app) -> Client:
    """Both steps done, as the front desk user."""
    sign_in_with_password(client, desk.username)
    response = client.post(VERIFY, {"code": code_for(app), "next": INDEX})
    assert response.status_code == 302, response.content.decode()
    return client


@pytest.mark.parametrize(
    "path",
    [
        REQUESTS,
        APPOINTMENTS,
        INDEX,
        "request change view",
    ],
)
def test_a_password_alone_never_reaches_patient_data(desk, app, treatment, path):
    patient = AppointmentRequestFactory(treatment=treatment, first_name="Zenobia")
    if path == "request change view":
        path = reverse("admin:booking_appointmentrequest_change", args=[patient.pk])
    client = Client()
    response = sign_in_with_password(client, "desk")
    assert response.status_code == 302
    assert response.url.startswith(VERIFY)

    response = client.get(path, follow=True)
    assert response.redirect_chain[-1][0].startswith(VERIFY)
    assert "Zenobia" not in response.content.decode()
    assert "Enter your code" in response.content.decode()


def admin_urls_without_arguments():
    _, admin_urls = get_resolver().namespace_dict["admin"]
    for name in admin_urls.reverse_dict:
        if isinstance(name, str):
            try:
                yield reverse(f"admin:{name}")
            except NoReverseMatch:
                pass


def test_no_admin_page_answers_a_password_alone(treatment, appointment):  # noqa: F811
    boss = UserFactory(username="boss", is_superuser=True)
    TOTPDevice.objects.create(user=boss, name="Phone", confirmed=True)
    appointment_request = AppointmentRequestFactory(treatment=treatment)
    pages = {
        *admin_urls_without_arguments(),
        *(
            reverse(f"admin:booking_{model}_{view}", args=[pk])
            for model, pk in [
                ("appointmentrequest", appointment_request.pk),
                ("appointment", appointment.pk),
            ]
            for view in ("change", "history", "delete")
        ),
    }
    assert len(pages) > 30
    client = Client()
    sign_in_with_password(client, "boss")
    answered = {page for page in pages if client.get(page).status_code == 200}
    # The code page, and the set-up page only for someone without an app.
    assert answered == {VERIFY}


def test_a_staff_member_without_an_app_reaches_only_the_set_up_page(desk, treatment):
    client = Client()
    sign_in_with_password(client, "desk")
    for path in (INDEX, REQUESTS, VERIFY, RECOVERY_CODES):
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0].startswith(ENROL), path
    # Showing the set-up page stores no app: only a confirmed one is saved.
    assert not TOTPDevice.objects.filter(user=desk).exists()
    assert client.get(REQUESTS).status_code == 302


def secret_on(page) -> str:
    return re.search(r'class="two-factor-secret">([A-Z2-7 ]+)<', page).group(1)


def test_setting_up_an_app_shows_a_qr_code_then_recovery_codes_once(desk, frozen):
    client = Client()
    sign_in_with_password(client, "desk")
    page = client.get(ENROL).content.decode()
    # Drawn inline on the server: no image request, no data: URL.
    assert "<svg" in page
    assert "data:" not in page
    secret = secret_on(page)
    assert client.get(ENROL).content.decode().count(secret) == 1  # same secret

    wrong = client.post(ENROL, {"code": "000000", "next": REQUESTS})
    assert wrong.status_code == 200
    assert "That code did not work" in wrong.content.decode()
    assert secret_on(wrong.content.decode()) == secret
    assert not TOTPDevice.objects.exists()

    response = client.post(ENROL, {"code": code_for_secret(secret), "next": REQUESTS})
    assert response.status_code == 302
    assert response.url.startswith(RECOVERY_CODES)
    device = TOTPDevice.objects.get(user=desk)
    assert device.confirmed
    assert b32decode(secret.replace(" ", "")) == device.bin_key

    codes_page = client.get(response.url)
    codes = StaticToken.objects.filter(device__user=desk).values_list(
        "token", flat=True
    )
    assert len(codes) == 10
    for code in codes:
        assert code in codes_page.content.decode()
    assert f'href="{REQUESTS}"' in codes_page.content.decode()
    # Shown once: the page does not show them again.
    again = client.get(RECOVERY_CODES)
    assert again.status_code == 302
    assert client.get(REQUESTS).status_code == 200


def test_each_session_is_shown_its_own_secret(desk, frozen):
    """Someone else with the password who opened the set-up page first must not
    know the secret of the app the staff member then confirms."""
    intruder, staff = Client(), Client()
    sign_in_with_password(intruder, "desk")
    sign_in_with_password(staff, "desk")
    intruders_secret = secret_on(intruder.get(ENROL).content.decode())
    staffs_secret = secret_on(staff.get(ENROL).content.decode())
    assert intruders_secret != staffs_secret

    staff.post(ENROL, {"code": code_for_secret(staffs_secret), "next": INDEX})
    assert staff.get(REQUESTS).status_code == 200
    assert TOTPDevice.objects.filter(user=desk).count() == 1

    frozen.shift(datetime.timedelta(seconds=31))
    # The intruder's page now sends them to the code step, where their secret's
    # code does not work.
    code = code_for_secret(intruders_secret)
    response = intruder.post(ENROL, {"code": code, "next": INDEX})
    assert response.url.startswith(VERIFY)
    refused = intruder.post(VERIFY, {"code": code, "next": INDEX})
    assert "That code did not work" in refused.content.decode()
    assert intruder.get(REQUESTS).status_code == 302


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_password_alone_cannot_set_up_another_app(desk, app, method):
    client = Client()
    sign_in_with_password(client, "desk")
    response = getattr(client, method)(ENROL, {"code": "123456", "next": INDEX})
    assert response.status_code == 302
    assert response.url.startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=desk)) == [app]


def test_an_authenticator_code_works_once(desk, app, frozen):
    client = Client()
    sign_in_with_password(client, "desk")
    code = code_for(app)
    assert client.post(VERIFY, {"code": code, "next": REQUESTS}).url == REQUESTS
    assert client.get(REQUESTS).status_code == 200
    client.post(reverse("admin:logout"))

    other = Client()
    sign_in_with_password(other, "desk")
    replay = other.post(VERIFY, {"code": code, "next": REQUESTS})
    assert replay.status_code == 200
    assert "That code did not work" in replay.content.decode()
    assert other.get(REQUESTS).status_code == 302

    # The next time step's code works (after django-otp's short pause that
    # follows a wrong code).
    frozen.shift(datetime.timedelta(seconds=32))
    assert other.post(VERIFY, {"code": code_for(app), "next": REQUESTS}).url == (
        REQUESTS
    )


def test_wrong_codes_in_a_row_are_told_to_wait(desk, app, frozen):
    client = Client()
    sign_in_with_password(client, "desk")
    client.post(VERIFY, {"code": "000000"})
    hurried = client.post(VERIFY, {"code": code_for(app)})
    assert "Too many wrong codes in a row" in hurried.content.decode()
    frozen.shift(datetime.timedelta(seconds=2))
    assert client.post(VERIFY, {"code": code_for(app)}).status_code == 302


def test_a_recovery_code_works_once(desk, app, recovery_code, frozen):
    client = Client()
    sign_in_with_password(client, "desk")
    response = client.post(VERIFY, {"code": recovery_code.upper(), "next": REQUESTS})
    assert response.url == REQUESTS
    assert client.get(REQUESTS).status_code == 200
    client.post(reverse("admin:logout"))

    sign_in_with_password(client, "desk")
    again = client.post(VERIFY, {"code": recovery_code, "next": REQUESTS})
    assert "That code did not work" in again.content.decode()
    assert client.get(REQUESTS).status_code == 302


def test_signing_in_and_the_second_step_each_give_a_new_session_key(desk, app):
    client = Client()
    session = client.session
    session["before"] = "sign-in"
    session.save()
    anonymous_key = session.session_key

    sign_in_with_password(client, "desk")
    password_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert password_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()

    client.post(VERIFY, {"code": code_for(app), "next": INDEX})
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != password_key
    assert not Session.objects.filter(session_key=password_key).exists()


def test_the_session_cookie_is_http_only_and_same_site_lax(desk):
    cookie = sign_in_with_password(Client(), "desk").cookies[
        settings.SESSION_COOKIE_NAME
    ]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.usefixtures("production_mode")
def test_in_production_the_session_cookie_is_host_only_and_secure(desk):
    response = Client().post(
        LOGIN, {"username": "desk", "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    cookie = response.cookies["__Host-sessionid"]
    assert cookie["secure"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    # What the __Host- prefix demands of it, or browsers drop it.
    assert cookie["path"] == "/"
    assert not cookie["domain"]


def test_public_visitors_get_no_session(db):
    response = Client().get("/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies


# --- Lockout ------------------------------------------------------------------


def fail(client, username="desk", **extra):
    """Five wrong passwords: the fifth locks."""
    for status in (200, 200, 200, 200, 429):
        response = sign_in_with_password(client, username, "wrong password", **extra)
        assert response.status_code == status


def test_five_failures_lock_the_username_from_that_address(desk, app, caplog):
    client = Client()
    with caplog.at_level(logging.WARNING, logger="axes"):
        fail(client)
    # Every failure is logged, with who and from where, never the password.
    assert "desk" in caplog.text
    assert "wrong password" not in caplog.text

    locked = sign_in_with_password(client, "desk")  # the right password
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Sign-in paused" in page
    assert "15 minutes" in page
    # Only a superuser can unlock or reset a password.
    assert "superuser" in page
    assert settings.CLINIC["name"] in page
    assert client.get(VERIFY).status_code == 302  # not signed in

    # Another username from the same address, and the same one from another
    # address, are not locked.
    UserFactory(username="editor")
    assert sign_in_with_password(Client(), "editor").status_code == 302
    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    assert sign_in_with_password(elsewhere, "desk").status_code == 302


def test_a_password_typed_as_the_username_is_kept_nowhere(desk, caplog):
    client = Client()
    with caplog.at_level(logging.DEBUG):
        fail(client, username=PASSWORD)
    # Still counted, and locked, under a digest of what was typed.
    assert sign_in_with_password(client, PASSWORD).status_code == 429
    assert PASSWORD not in caplog.text
    assert PASSWORD not in str(list(AccessAttempt.objects.values()))
    # A real username still shows, in the log and the records.
    with caplog.at_level(logging.WARNING, logger="axes"):
        sign_in_with_password(client, "desk", "wrong password")
    assert 'username: "desk"' in caplog.text
    assert AccessAttempt.objects.filter(username="desk").exists()


def test_a_made_up_forwarded_address_does_not_dodge_the_lockout(desk):
    # Straight to gunicorn, not through one of our proxies.
    client = Client(REMOTE_ADDR="203.0.113.5")
    for n in range(5):
        sign_in_with_password(
            client, "desk", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        )
    locked = sign_in_with_password(client, "desk", HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert locked.status_code == 429


def test_clients_behind_our_proxy_are_told_apart(desk):
    """The lockout reads the address the way the booking rate limit does, so
    one locked client does not lock everyone who comes through the proxy."""
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    attacker = Client(HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    fail(attacker)
    assert sign_in_with_password(attacker, "desk").status_code == 429
    colleague = Client(HTTP_X_FORWARDED_FOR="198.51.100.20", **proxy)
    assert sign_in_with_password(colleague, "desk").status_code == 302


def test_a_manager_unlocks_with_a_command(desk):
    client = Client()
    fail(client)
    assert sign_in_with_password(client, "desk").status_code == 429
    call_command("axes_reset_username", "desk")
    assert sign_in_with_password(client, "desk").status_code == 302


def test_the_lockout_ends_after_the_cool_off(desk, frozen):
    client = Client()
    fail(client)
    frozen.shift(datetime.timedelta(minutes=14))
    assert sign_in_with_password(client, "desk").status_code == 429
    # A try while locked starts the cool-off again.
    frozen.shift(datetime.timedelta(minutes=14))
    assert sign_in_with_password(client, "desk").status_code == 429
    frozen.shift(datetime.timedelta(minutes=16))
    assert sign_in_with_password(client, "desk").status_code == 302


def test_a_wrong_code_is_logged_with_who_and_from_where(desk, app, caplog):
    client = Client(REMOTE_ADDR="203.0.113.7")
    sign_in_with_password(client, "desk")
    with caplog.at_level(logging.WARNING, logger="medspa.staff"):
        client.post(VERIFY, {"code": "000123"})
    [record] = [r for r in caplog.records if r.name.startswith("medspa.staff")]
    assert record.levelno == logging.WARNING
    assert "desk" in record.getMessage()
    assert "203.0.113.7" in record.getMessage()
    assert "000123" not in caplog.text
    # Nor does axes keep it with the attempt.
    assert "000123" not in str(list(AccessAttempt.objects.values()))


def test_a_throttled_code_says_how_long_to_wait(desk, app, frozen):
    app.throttling_failure_count = 9  # 256 seconds after the last wrong code
    app.throttling_failure_timestamp = NOON
    app.save()
    client = Client()
    sign_in_with_password(client, "desk")
    frozen.shift(datetime.timedelta(seconds=16))
    page = client.post(VERIFY, {"code": code_for(app)}).content.decode()
    assert "wait 4 minutes" in page
    frozen.shift(datetime.timedelta(seconds=210))
    page = client.post(VERIFY, {"code": code_for(app)}).content.decode()
    assert "wait 30 seconds" in page


def test_five_wrong_codes_lock_the_username_from_that_address(desk, app, frozen):
    client = Client()
    sign_in_with_password(client, "desk")
    for _ in range(4):
        wrong = client.post(VERIFY, {"code": "000000"})
        assert "did not work" in wrong.content.decode()
        frozen.shift(datetime.timedelta(seconds=9))
    locked = client.post(VERIFY, {"code": "000000"})
    assert locked.status_code == 429
    assert "Sign-in paused" in locked.content.decode()
    # Signed out, and the password is refused too while locked.
    assert client.get(VERIFY).status_code == 302
    frozen.shift(datetime.timedelta(seconds=20))
    assert sign_in_with_password(client, "desk").status_code == 429
    # The staff member at another address still gets in: the app itself was
    # slowed down by seconds, not minutes.
    elsewhere = signed_in(Client(REMOTE_ADDR="203.0.113.9"), desk, app)
    assert elsewhere.get(REQUESTS).status_code == 200


def test_a_session_locked_out_elsewhere_cannot_go_on_guessing(desk, app, frozen):
    earlier = Client()
    sign_in_with_password(earlier, "desk")
    later = Client()
    sign_in_with_password(later, "desk")
    for _ in range(5):
        later.post(VERIFY, {"code": "000000"})
        frozen.shift(datetime.timedelta(seconds=20))
    assert earlier.post(VERIFY, {"code": code_for(app)}).status_code == 429
    assert earlier.get(REQUESTS).status_code == 302


# --- Session limits -------------------------------------------------------------


def test_a_session_ends_after_thirty_minutes_idle(desk, app, frozen):
    client = signed_in(Client(), desk, app)
    frozen.shift(datetime.timedelta(minutes=29))
    assert client.get(REQUESTS).status_code == 200
    frozen.shift(datetime.timedelta(minutes=29))
    assert client.get(REQUESTS).status_code == 200

    frozen.shift(datetime.timedelta(minutes=31))
    response = client.get(REQUESTS, follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "after 30 minutes without activity" in response.content.decode()
    assert not Session.objects.exists()


def test_a_session_ends_twelve_hours_after_sign_in_however_busy(desk, app, frozen):
    client = signed_in(Client(), desk, app)
    for _ in range(12 * 3):
        assert client.get(REQUESTS).status_code == 200
        frozen.shift(datetime.timedelta(minutes=20))
    frozen.shift(datetime.timedelta(minutes=1))
    response = client.get(REQUESTS, follow=True)
    assert response.redirect_chain[0][0].startswith(LOGIN)
    assert "12 hours after signing in" in response.content.decode()


def test_signing_in_again_with_the_password_asks_for_a_code_again(desk, app, frozen):
    """The 12 hours cannot be renewed with the password alone."""
    client = signed_in(Client(), desk, app)
    for _ in range(11 * 3):
        frozen.shift(datetime.timedelta(minutes=20))
        assert client.get(REQUESTS).status_code == 200
    response = sign_in_with_password(client, "desk")
    assert response.url.startswith(VERIFY)
    for _ in range(2 * 3):
        assert (
            client.get(REQUESTS, follow=True).redirect_chain[-1][0].startswith(VERIFY)
        )
        frozen.shift(datetime.timedelta(minutes=20))
    assert client.get(REQUESTS).status_code == 302


def test_an_ended_session_on_the_public_site_just_goes_on_signed_out(desk, app, frozen):
    client = signed_in(Client(), desk, app)
    frozen.shift(datetime.timedelta(hours=1))
    assert client.get("/").status_code == 200
    assert client.get(REQUESTS).url.startswith(LOGIN)


def test_signing_out_ends_the_session_on_the_server(desk, app):
    client = signed_in(Client(), desk, app)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("admin:logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert replay.get(REQUESTS).status_code == 302


def test_deactivating_a_user_ends_their_sessions(desk, app):
    client = signed_in(Client(), desk, app)
    desk.is_active = False
    desk.save()
    assert client.get(REQUESTS).url.startswith(LOGIN)


def test_a_manager_signs_a_staff_member_out_everywhere(desk, app, capsys):
    laptop = signed_in(Client(), desk, app)
    app.last_t = -1  # a second sign-in in the same 30 seconds
    app.save()
    phone = signed_in(Client(), desk, app)
    other = UserFactory(username="other")
    bystander = Client()
    bystander.force_login(other)

    call_command("end_staff_sessions", "desk")
    assert "Ended 2 session(s) of desk" in capsys.readouterr().out
    assert laptop.get(REQUESTS).status_code == 302
    assert phone.get(REQUESTS).status_code == 302
    assert Session.objects.count() == 1


def test_a_manager_signs_people_out_or_resets_them_in_the_admin(desk, app):
    laptop = signed_in(Client(), desk, app)
    manager = UserFactory(username="boss", is_superuser=True)
    admin = signed_in(Client(), manager, TOTPDevice.objects.create(user=manager))
    users = reverse("admin:auth_user_changelist")

    response = admin.post(
        users, {"action": "sign_out_everywhere", "_selected_action": [desk.pk]}
    )
    assert response.status_code == 302
    assert laptop.get(REQUESTS).status_code == 302
    assert admin.get(users).status_code == 200

    admin.post(users, {"action": "reset_two_factor", "_selected_action": [desk.pk]})
    assert not TOTPDevice.objects.filter(user=desk).exists()


def test_a_superuser_reads_nobody_s_secret_or_recovery_codes(
    admin_client, app, recovery_code
):
    totp = reverse("admin:otp_totp_totpdevice_change", args=[app.pk])
    page = admin_client.get(totp).content.decode()
    assert "Phone" in page
    assert app.key not in page
    qr_code = reverse("admin:otp_totp_totpdevice_qrcode", args=[app.pk])
    assert admin_client.get(qr_code).status_code == 403
    static = StaticDevice.objects.get(user=app.user)
    page = admin_client.get(
        reverse("admin:otp_static_staticdevice_change", args=[static.pk])
    ).content.decode()
    assert "Recovery codes" in page
    assert recovery_code not in page


# --- Reset ----------------------------------------------------------------------


def test_resetting_two_factor_removes_the_app_and_signs_out(
    desk, app, recovery_code, capsys
):
    client = signed_in(Client(), desk, app)
    call_command("reset_staff_two_factor", "desk")
    assert "Removed 2 sign-in device(s) of desk and ended 1 session(s)" in (
        capsys.readouterr().out
    )
    assert not TOTPDevice.objects.filter(user=desk).exists()
    assert not StaticDevice.objects.filter(user=desk).exists()
    assert client.get(REQUESTS).url.startswith(LOGIN)
    # Their next sign-in sets up a new app.
    response = sign_in_with_password(client, "desk")
    assert client.get(response.url, follow=True).redirect_chain[-1][0].startswith(ENROL)


def test_resetting_an_unknown_user_says_so(db):
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        call_command("reset_staff_two_factor", "nobody")


# --- Passwords and the demo -------------------------------------------------------


def test_passwords_need_fifteen_characters_and_django_s_validators(desk):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("Short1!pass", "123456789012345678", "deskclinicexample"):
        with pytest.raises(ValidationError):
            validate_password(weak, desk)
    validate_password("violet kettle harbour 7", desk)


def test_the_demo_says_how_to_sign_in_the_first_time(
    db, tmp_path, monkeypatch, settings
):
    from medspa.staff.management.commands import load_demo_staff

    monkeypatch.setattr(load_demo_staff, "PASSWORD_FILE", tmp_path / "password")
    monkeypatch.setenv("PORT", "8001")  # make run PORT=8001
    settings.BASE_DIR = tmp_path
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo_staff", stdout=out)
    password = (tmp_path / "password").read_text()
    assert (tmp_path / "password").stat().st_mode & 0o777 == 0o600
    text = out.getvalue()
    assert f"http://127.0.0.1:8001{INDEX}" in text
    assert "username: manager" in text
    assert f"password: {password}" in text
    assert "set up two-step sign-in" in text
    client = Client()
    response = sign_in_with_password(client, "manager", password)
    assert client.get(response.url, follow=True).redirect_chain[-1][0].startswith(ENROL)
    # The next run shows the same password, and knows the app is set up.
    TOTPDevice.objects.create(user=get_user_model().objects.get(username="manager"))
    (tmp_path / "password").chmod(0o644)
    again = StringIO()
    call_command("load_demo_staff", stdout=again)
    assert f"password: {password}" in again.getvalue()
    assert "set up two-step sign-in" not in again.getvalue()
    assert "enter the code your authenticator app shows" in again.getvalue()
    assert (tmp_path / "password").stat().st_mode & 0o777 == 0o600


def test_the_demo_account_is_refused_in_production(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        call_command("load_demo_staff")


PASSKEYS = reverse("admin:two-factor-passkeys")
PASSKEY_REGISTRATION = reverse("otp_webauthn:credential-registration-begin")
PASSKEY_BEGIN = reverse("otp_webauthn:credential-authentication-begin")
PASSKEY_COMPLETE = reverse("otp_webauthn:credential-authentication-complete")
ORIGIN = "http://localhost:8000"


@pytest.fixture
def passkey_site(settings):
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [ORIGIN]


def sign_in_with_passkey(client, passkey: SoftPasskey):
    options = client.post(PASSKEY_BEGIN).json()
    return client.post(
        f"{PASSKEY_COMPLETE}?next={REQUESTS}",
        passkey.assertion(options, origin=ORIGIN),
        content_type="application/json",
    )


@pytest.mark.parametrize("has_app", [True, False])
def test_a_password_alone_cannot_add_a_passkey(desk, passkey_site, has_app):
    # Without an app, the library's own check would let this session add one
    # and call itself verified.
    if has_app:
        TOTPDevice.objects.create(user=desk, name="Phone", confirmed=True)
    client = Client()
    sign_in_with_password(client, "desk")

    assert client.get(PASSKEYS).status_code == 302
    response = client.post(PASSKEY_REGISTRATION)
    assert response.status_code == 403
    assert response.json()["code"] == "user_not_verified"
    assert "otp_webauthn_register_state" not in client.session
    assert client.get(INDEX).status_code == 302


def test_a_verified_staff_member_may_start_adding_a_passkey(desk, app, passkey_site):
    client = signed_in(Client(), desk, app)
    assert 'id="passkey-register-button"' in client.get(PASSKEYS).content.decode()
    options = client.post(PASSKEY_REGISTRATION).json()
    assert options["rp"] == {"id": "localhost", "name": settings.CLINIC["name"]}
    assert options["user"]["name"] == "desk"


def test_a_passkey_passes_the_second_step(desk, app, passkey_site):
    passkey = SoftPasskey(desk)
    client = Client()
    sign_in_with_password(client, "desk")
    password_session = client.session.session_key
    assert "Use a passkey" in client.get(VERIFY).content.decode()

    response = sign_in_with_passkey(client, passkey)
    assert response.status_code == 200, response.content.decode()
    assert response.json()["redirect_url"] == REQUESTS
    assert client.get(REQUESTS).status_code == 200
    # A new session key for the raised privilege, as with a code.
    assert client.session.session_key != password_session


def test_without_a_passkey_the_code_page_offers_none(desk, app):
    client = Client()
    sign_in_with_password(client, "desk")
    assert "Use a passkey" not in client.get(VERIFY).content.decode()


@pytest.mark.parametrize("whose", ["unconfirmed", "someone else's"])
def test_an_unconfirmed_or_foreign_passkey_does_not_verify(
    desk, app, passkey_site, whose
):
    if whose == "unconfirmed":
        passkey = SoftPasskey(desk, confirmed=False)
        code = "credential_disabled"
    else:
        passkey = SoftPasskey(UserFactory(username="other"))
        code = "credential_user_mismatch"
    client = Client()
    sign_in_with_password(client, "desk")

    response = sign_in_with_passkey(client, passkey)
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert client.get(REQUESTS).status_code == 302
    # Counted towards the lockout like a wrong code.
    assert AccessAttempt.objects.get(username="desk").failures_since_start == 1


def test_a_passkey_is_never_a_sign_in_on_its_own(desk, passkey_site):
    passkey = SoftPasskey(desk)
    client = Client()
    response = client.post(PASSKEY_BEGIN)
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"
    options = {"challenge": "c2lnbiBtZSBpbg", "rpId": "localhost"}
    response = client.post(
        PASSKEY_COMPLETE,
        passkey.assertion(options, origin=ORIGIN),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client.get(INDEX).status_code == 302


def test_resetting_two_factor_removes_passkeys_too(desk, app):
    SoftPasskey(desk)
    call_command("reset_staff_two_factor", "desk", stdout=StringIO())
    assert not WebAuthnCredential.objects.filter(user=desk).exists()
