"""The "time to rebook?" email (booking.rebooking): one, around the time a
treatment wears off, only with the separate consent, never for an old visit or
a patient who booked again; and its one-click unsubscribe page (RFC 8058)."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.test import Client

from booking import frontdesk, outbox, rebooking
from booking.models import Appointment, AuditEntry, OutgoingMessage
from booking.scheduling import appointment_book, appointment_confirm
from tests.booking import test_scheduling
from tests.booking.test_scheduling import NINE_AM, PATIENT, hold
from tests.test_quality import (  # noqa: F401 - fixtures
    HTTPS,
    assert_accessible,
    assert_security_headers,
    csp_problems,
    html_errors,
    production,
    production_mode,
    watch_csp,
)

calendar = test_scheduling.calendar

DAY = datetime.timedelta(days=1)
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)
BOOKED_AT = datetime.datetime(2026, 11, 30, 15, 0, tzinfo=datetime.UTC)
REBOOK_AFTER_DAYS = 100
DUE = NINE_AM + REBOOK_AFTER_DAYS * DAY


@pytest.fixture
def treatment(calendar):
    treatment = calendar["treatment"]
    treatment.rebook_after_days = REBOOK_AFTER_DAYS
    treatment.save()
    return treatment


def visit(calendar, *, at=NINE_AM, consent=True, **patient) -> Appointment:
    """An appointment booked online (with or without the rebooking consent)
    and attended: checked in, then completed."""
    with time_machine.travel(BOOKED_AT, tick=False):
        appointment = appointment_confirm(
            hold=hold(calendar, at=at), marketing_consent=consent, **PATIENT | patient
        )
    with time_machine.travel(at, tick=False):
        for status in (Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED):
            appointment = frontdesk.appointment_set_status(
                appointment=appointment, status=status, actor=None, ip_address=None
            )
    return appointment


def sweep(at: datetime.datetime) -> int:
    with time_machine.travel(at, tick=False):
        return rebooking.send_due_rebooking_emails()


def unsubscribe_path(appointment: Appointment) -> str:
    return f"/book/unsubscribe/{rebooking.unsubscribe_token(appointment)}/"


# --- who gets one, and when -----------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("consent", "emails"), [(True, 1), (False, 0)])
def test_only_a_patient_who_agreed_gets_a_rebooking_email(
    calendar, treatment, mailoutbox, consent, emails
):
    visit(calendar, consent=consent)
    assert sweep(DUE) == emails
    assert len(mailoutbox) == emails


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sweep_at", "emails"),
    [
        (DUE - MINUTE, 0),  # too early
        (DUE, 1),
        (DUE + 30 * DAY - MINUTE, 1),  # late, but not out of the blue
        (DUE + 30 * DAY, 0),  # too late
    ],
)
def test_the_email_is_due_from_the_treatments_interval_for_thirty_days(
    calendar, treatment, mailoutbox, sweep_at, emails
):
    visit(calendar)
    assert sweep(sweep_at) == emails


@pytest.mark.django_db
def test_a_treatment_without_an_interval_gets_none(calendar, mailoutbox):
    visit(calendar)  # the treatment's rebook_after_days is empty
    assert sweep(DUE) == 0


@pytest.mark.django_db
def test_a_booked_appointment_that_was_not_attended_gets_none(
    calendar, treatment, mailoutbox
):
    with time_machine.travel(BOOKED_AT, tick=False):
        appointment_confirm(hold=hold(calendar), marketing_consent=True, **PATIENT)
    assert sweep(DUE) == 0


@pytest.mark.django_db
def test_one_email_only_however_often_the_sweep_runs(calendar, treatment, mailoutbox):
    appointment = visit(calendar)
    assert sweep(DUE) == 1
    assert sweep(DUE + 5 * MINUTE) == 0
    assert sweep(DUE + 10 * DAY) == 0
    assert len(mailoutbox) == 1
    assert OutgoingMessage.objects.get().key == f"rebook:{appointment.pk}"


@pytest.mark.django_db
def test_a_patient_who_booked_again_gets_none(calendar, treatment, mailoutbox):
    visit(calendar)
    with time_machine.travel(DUE - 5 * DAY, tick=False):
        appointment_book(
            location=calendar["location"],
            treatment=treatment,
            provider=calendar["ana"],
            room=None,
            starts_at=DUE + 7 * DAY,
            created_by=None,
            **PATIENT | {"email": "MARIA@Example.com"},  # any letter case
        )
    assert sweep(DUE) == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_only_the_latest_visit_counts(calendar, treatment, mailoutbox):
    first = visit(calendar)
    second = visit(calendar, at=NINE_AM + 14 * DAY)
    assert sweep(DUE) == 0  # the first visit's time: the second is more recent
    assert sweep(DUE + 14 * DAY) == 1
    assert OutgoingMessage.objects.get().key == f"rebook:{second.pk}"
    assert first.pk != second.pk


@pytest.mark.django_db
def test_a_failure_of_any_kind_does_not_stop_the_other_emails(
    calendar, treatment, mailoutbox, monkeypatch, caplog
):
    first = visit(calendar)
    visit(calendar, at=NINE_AM + HOUR, email="jo@example.com")
    rebooking_email = rebooking.rebooking_email

    def broken_for_the_first(appointment):
        if appointment.pk == first.pk:
            raise ValueError(f"cannot write to {appointment.email}")
        return rebooking_email(appointment)

    monkeypatch.setattr(rebooking, "rebooking_email", broken_for_the_first)
    with pytest.raises(ValueError):
        sweep(DUE + HOUR)
    assert [message.to for message in mailoutbox] == [["jo@example.com"]]
    assert "ValueError" in caplog.text
    assert PATIENT["email"] not in caplog.text


@pytest.mark.django_db
def test_the_email_offers_the_treatment_and_a_one_click_unsubscribe(
    calendar, treatment, mailoutbox, settings
):
    settings.SITE_URL = "https://spa.example.com"
    appointment = visit(calendar)
    sweep(DUE)
    (message,) = mailoutbox
    assert message.to == [PATIENT["email"]]
    assert "Hello Maria," in message.body
    assert treatment.name in message.body
    assert f"https://spa.example.com/treatments/{treatment.slug}/" in message.body
    unsubscribe = "https://spa.example.com" + unsubscribe_path(appointment)
    assert unsubscribe in message.body
    sent = message.message()
    assert sent["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert PATIENT["last_name"] not in message.body
    assert PATIENT["phone"] not in message.body


@pytest.mark.django_db
def test_the_unsubscribe_link_does_not_reveal_the_address(
    calendar, treatment, mailoutbox
):
    """The link sits in access logs and mail scanners' reports: a signed
    value is only encoded, so it must hold nothing about the patient."""
    visit(calendar, email="Maria.Lopez@Example.com")
    sweep(DUE)
    (message,) = mailoutbox
    (link,) = re.findall(r"/book/unsubscribe/([^/\s]+)/", message.body)
    assert message.message()["List-Unsubscribe"].count(link) == 1
    payload, _signature = link.rsplit(":", 1)
    # Only the appointment's id is signed: nothing to decode, nothing personal.
    assert payload == str(Appointment.objects.get().pk)
    assert "maria" not in link.lower() and "example" not in link.lower()


@pytest.mark.django_db
def test_unsubscribed_between_the_sweep_reading_and_sending_nothing_goes(
    calendar, treatment, mailoutbox, monkeypatch
):
    visit(calendar)
    deliver_once = outbox.deliver_once

    def unsubscribe_first(**kwargs):
        rebooking.marketing_consent_withdraw(email=PATIENT["email"])
        return deliver_once(**kwargs)

    monkeypatch.setattr(outbox, "deliver_once", unsubscribe_first)
    assert sweep(DUE) == 0
    assert mailoutbox == []
    assert not OutgoingMessage.objects.exists()  # the claim was dropped


# --- unsubscribing ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_unsubscribe_page_asks_first_and_changes_nothing(
    client, calendar, treatment
):
    appointment = visit(calendar)
    page = client.get(unsubscribe_path(appointment))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<form method="post">' in html
    assert "csrfmiddlewaretoken" in html
    assert ">Unsubscribe</button>" in html
    assert "appointment emails" in html.lower() or "appointments you book" in html
    assert "no-store" in page["Cache-Control"]
    appointment.refresh_from_db()
    assert appointment.marketing_consent_at is not None


@pytest.mark.django_db
def test_the_button_unsubscribes_every_appointment_of_the_address(
    calendar, treatment, mailoutbox
):
    first = visit(calendar)
    second = visit(calendar, at=NINE_AM + DAY, email="Maria@EXAMPLE.com")
    other = visit(calendar, at=NINE_AM + 2 * DAY, email="someone@example.com")
    browser = Client(enforce_csrf_checks=True)
    # The link in the second appointment's email: the address, not the one
    # appointment, is unsubscribed.
    page = browser.get(unsubscribe_path(second))
    response = browser.post(
        unsubscribe_path(second),
        {"csrfmiddlewaretoken": page.context["csrf_token"]},
    )
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    for appointment in (first, second):
        appointment.refresh_from_db()
        assert appointment.marketing_consent_at is None
        entry = AuditEntry.objects.get(
            appointment=appointment, action=AuditEntry.Action.CHANGED, by_patient=True
        )
        assert entry.changes["marketing_consent_at"][1] == ""
        assert entry.actor is None
    other.refresh_from_db()
    assert other.marketing_consent_at is not None
    # Nothing more for Maria; the other patient still hears.
    assert sweep(DUE + 2 * DAY) == 1
    assert mailoutbox[0].to == ["someone@example.com"]


@pytest.mark.django_db
def test_a_mail_clients_one_click_post_unsubscribes_without_a_csrf_token(
    calendar, treatment, mailoutbox
):
    appointment = visit(calendar)
    response = Client(enforce_csrf_checks=True).post(
        unsubscribe_path(appointment),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.marketing_consent_at is None
    assert sweep(DUE) == 0
    assert mailoutbox == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "forge",
    [
        lambda appointment: "nonsense",
        lambda appointment: rebooking.unsubscribe_token(appointment)[:-2] + "xx",
        lambda appointment: signing.Signer(salt="another.purpose").sign(
            str(appointment.pk)
        ),
        lambda appointment: signing.Signer().sign(str(appointment.pk)),
        lambda appointment: signing.dumps(appointment.pk),
        # What the links said before they held the appointment's id.
        lambda appointment: signing.Signer(salt="booking.unsubscribe").sign_object(
            appointment.email
        ),
    ],
    ids=["nonsense", "tampered", "another salt", "no salt", "dumps", "the address"],
)
def test_a_forged_token_is_not_found(client, calendar, treatment, forge):
    appointment = visit(calendar)
    path = f"/book/unsubscribe/{forge(appointment)}/"
    assert client.get(path).status_code == 404
    one_click = Client().post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 404
    appointment.refresh_from_db()
    assert appointment.marketing_consent_at is not None


@pytest.mark.django_db
def test_a_token_for_an_appointment_that_is_gone_is_not_found(
    client, calendar, treatment
):
    appointment = visit(calendar)
    # The audit trail protects appointments from deletion, so one never made.
    path = unsubscribe_path(Appointment(pk=appointment.pk + 1))
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


@pytest.mark.django_db
def test_unsubscribing_twice_is_harmless(client, calendar, treatment):
    path = unsubscribe_path(visit(calendar))
    assert client.post(path).status_code == 200
    assert client.post(path).status_code == 200
    assert AuditEntry.objects.filter(by_patient=True).count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("production_mode")
def test_the_unsubscribe_pages_are_valid_html_within_the_csp(calendar, treatment):
    client = Client()
    path = unsubscribe_path(visit(calendar))
    for name, response in {
        "ask": client.get(path, **HTTPS),
        "done": client.post(path, **HTTPS),
    }.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert html_errors(html) == [], name
        nonce = assert_security_headers(name, response)
        assert csp_problems(html, nonce) == [], name


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_violations_on_the_unsubscribe_pages(
    live_server, page, calendar, treatment
):
    path = unsubscribe_path(visit(calendar))
    violations = watch_csp(page)
    page.goto(live_server.url + path)
    assert_accessible(page, violations)
    page.get_by_role("button", name="Unsubscribe").click()
    page.get_by_role("heading", name="You are unsubscribed").wait_for()
    assert_accessible(page, violations)
