"""The patient's own appointment page (booking.views.manage) and the rules
behind it (booking.patient_changes): the secret link, cancelling and moving up
to the cut-off, the race for a freed time, and who is told."""

import datetime
import threading
from concurrent.futures import ThreadPoolExecutor

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test import Client

from booking import frontdesk
from booking.models import Appointment, AuditEntry, OutgoingMessage
from booking.patient_changes import CANCELLED_ONLINE
from booking.tasks import send_change_notices
from tests.booking import test_journey
from tests.booking.test_journey import MONDAY_NINE, NOW, details, hold

clinic = test_journey.clinic
pytestmark = pytest.mark.django_db
HOUR = datetime.timedelta(hours=1)
TEN = MONDAY_NINE + HOUR
ELEVEN = MONDAY_NINE + 2 * HOUR


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def mail(settings, mailoutbox):
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }
    return mailoutbox


def book(client=None, at=MONDAY_NINE, **overrides) -> Appointment:
    """Book online as a patient would; the appointment as stored."""
    client = client or Client()
    provider = overrides.pop("provider", None)
    extra = {"provider": provider.pk} if provider else {}
    assert hold(client, at=at, **extra).status_code == 302
    response = client.post("/book/botox/details/", details(**overrides))
    assert response.url == "/book/confirmed/"
    return Appointment.objects.get(pk=client.session["booking_appointment_id"])


def page(appointment: Appointment, action: str = "") -> str:
    return f"/book/manage/{appointment.manage_token}/{action}"


def drain(run_worker, action):
    result = action()
    run_worker()
    return result


def test_the_confirmation_page_and_email_carry_the_link(
    clinic, run_worker, mail, settings
):
    client = Client()
    appointment = book(client)
    confirmed = client.get("/book/confirmed/").content.decode()
    assert f'href="{page(appointment)}"' in confirmed
    run_worker()
    (patient,) = [m for m in mail if m.to == ["maria@example.com"]]
    assert settings.SITE_URL + page(appointment) in patient.body
    (clinic_mail,) = [m for m in mail if m.to == [settings.CLINIC_INBOX_EMAIL]]
    assert appointment.manage_token not in clinic_mail.body
    assert appointment.manage_token != appointment.reference
    assert len(appointment.manage_token) >= 43  # 256 random bits


def test_the_page_shows_the_appointment_and_no_contact_details(clinic):
    appointment = book()
    response = Client().get(page(appointment))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.content.decode()
    for shown in (
        "Maria",
        "Botox Cosmetic",
        appointment.provider.display_name,
        "Monday, December 7, 2026 at 9:00 AM EST",
        "120 Garden Street",
    ):
        assert shown in html
    for hidden in ("García", "maria@example.com", "544-0123", "+1217"):
        assert hidden not in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.parametrize(
    "token",
    ["tampered", "too-long", "unknown", "held", "checked-in", "started"],
)
def test_links_that_open_nothing_answer_404_and_show_nothing(clinic, token):
    appointment = book()
    tokens = {
        "tampered": appointment.manage_token[:-1]
        + ("A" if appointment.manage_token[-1] != "A" else "B"),
        "too-long": appointment.manage_token + "x" * 40,
        "unknown": "x" * 43,
    }
    if token == "held":
        hold(Client(), at=TEN)
        tokens["held"] = Appointment.objects.get(status="held").manage_token
    if token == "checked-in":
        frontdesk.appointment_set_status(
            appointment=appointment, status="checked_in", actor=None, ip_address=None
        )
    url = f"/book/manage/{tokens.get(token, appointment.manage_token)}/"

    def visit():
        client = Client()
        return [
            client.get(url),
            client.get(url + "cancel/"),
            client.get(url + "move/"),
            client.get(url + "calendar.ics"),
            client.post(url + "cancel/"),
            client.post(url + "move/", {"start": TEN.isoformat()}),
        ]

    if token == "started":
        with time_machine.travel(MONDAY_NINE, tick=False):
            responses = visit()
    else:
        responses = visit()
    for response in responses:
        assert response.status_code == 404
        assert "Maria" not in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.starts_at == MONDAY_NINE
    assert appointment.status in ("booked", "checked_in")


def test_each_link_changes_only_its_own_appointment(clinic):
    maria = book()
    ines = book(at=TEN, first_name="Inés", email="ines@example.com")
    Client().post(page(ines, "cancel/"))
    maria.refresh_from_db()
    ines.refresh_from_db()
    assert (maria.status, ines.status) == ("booked", "cancelled")
    calendar = icalendar.Calendar.from_ical(
        Client().get(page(maria, "calendar.ics")).content
    )
    assert next(iter(calendar.walk("VEVENT"))).decoded("dtstart") == MONDAY_NINE


def test_cancelling_before_the_cut_off(clinic, run_worker, mail, settings):
    appointment = book()
    run_worker()  # the booking's own emails went out first
    mail.clear()
    client = Client()
    question = client.get(page(appointment, "cancel/")).content.decode()
    assert "Cancel your appointment?" in question
    assert appointment.status == "booked"  # a GET changes nothing

    response = drain(
        run_worker,
        lambda: client.post(page(appointment, "cancel/")),
    )
    assert response.status_code == 302 and response.url == page(appointment)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    assert appointment.cancelled_at == NOW
    assert appointment.cancellation_reason == CANCELLED_ONLINE
    entry = appointment.audit_entries.get(action=AuditEntry.Action.CHANGED)
    assert entry.by_patient and entry.actor is None
    assert entry.changes["status"] == ["booked", "cancelled"]
    assert "is cancelled" in client.get(page(appointment)).content.decode()

    # The patient and the clinic are told once, however often the task runs.
    send_change_notices.enqueue(
        appointment_id=appointment.pk,
        change="cancelled",
        change_id=entry.pk,
        tell_clinic=True,
    )
    run_worker()
    assert sorted(message.to[0] for message in mail) == sorted(
        ["maria@example.com", settings.CLINIC_INBOX_EMAIL]
    )
    patient = next(message for message in mail if message.to == ["maria@example.com"])
    assert "is cancelled" in patient.body and "9:00 AM (EST)" in patient.body
    cancellation = icalendar.Calendar.from_ical(patient.attachments[0][1])
    assert cancellation["method"] == "CANCEL"
    event = next(iter(cancellation.walk("VEVENT")))
    assert event["status"] == "CANCELLED"
    assert str(event["uid"]).startswith(appointment.reference)
    clinic_mail = next(message for message in mail if message is not patient)
    assert "Maria" not in clinic_mail.body and appointment.reference in clinic_mail.body

    # The time is free again for anyone.
    assert hold(Client(), provider=appointment.provider_id).status_code == 302


def test_inside_the_cut_off_the_page_says_why_and_gives_the_phone(clinic, settings):
    appointment = book()
    with time_machine.travel(MONDAY_NINE - 23 * HOUR, tick=False):
        html = Client().get(page(appointment)).content.decode()
        assert "less than 24 hours" in html
        assert settings.CLINIC["phone_display"] in html
        assert page(appointment, "cancel/") not in html
        cancel = Client().post(page(appointment, "cancel/"))
        move = Client().post(page(appointment, "move/"), {"start": TEN.isoformat()})
    assert cancel.status_code == 200
    assert "less than 24 hours" in cancel.content.decode()
    assert move.status_code == 302 and move.url == page(appointment)
    appointment.refresh_from_db()
    assert appointment.status == "booked" and appointment.starts_at == MONDAY_NINE


def test_the_cut_off_is_a_setting(clinic, settings):
    appointment = book()
    settings.BOOKING_CANCELLATION_CUTOFF_HOURS = 24 * 7  # more than the 6 days left
    Client().post(page(appointment, "cancel/"))
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_moving_takes_the_new_time_and_frees_the_old(
    clinic, run_worker, mail, settings
):
    appointment = book()
    run_worker()  # the booking's own emails went out first
    mail.clear()
    client = Client()
    week = client.get(page(appointment, "move/")).content.decode()
    assert f'value="{TEN.isoformat()}"' in week

    response = drain(
        run_worker,
        lambda: client.post(page(appointment, "move/"), {"start": TEN.isoformat()}),
    )
    assert response.status_code == 302 and response.url == page(appointment)
    moved = Appointment.objects.get(pk=appointment.pk)
    assert moved.starts_at == TEN and moved.status == "booked"
    assert moved.provider_id == appointment.provider_id  # kept: free then
    assert moved.manage_token == appointment.manage_token
    entry = moved.audit_entries.get(action=AuditEntry.Action.CHANGED)
    assert entry.by_patient and "starts_at" in entry.changes
    # The old time is free for the same provider again.
    assert hold(Client(), provider=appointment.provider_id).status_code == 302

    patient = next(message for message in mail if message.to == ["maria@example.com"])
    assert "new time" in patient.subject
    assert "10:00 AM (EST)" in patient.body
    event = next(
        iter(icalendar.Calendar.from_ical(patient.attachments[0][1]).walk("VEVENT"))
    )
    assert event.decoded("dtstart") == TEN
    assert event["sequence"] > 0  # replaces the first event in the calendar
    assert [message.to for message in mail].count([settings.CLINIC_INBOX_EMAIL]) == 1


def test_a_time_taken_meanwhile_keeps_the_appointment_and_offers_others(clinic):
    appointment = book(provider=clinic["providers"][0])
    for provider in clinic["providers"]:
        book(at=TEN, provider=provider, email=f"{provider.pk}@example.com")
    response = Client().post(page(appointment, "move/"), {"start": TEN.isoformat()})
    assert response.status_code == 409
    html = response.content.decode()
    assert "That time was just taken" in html
    assert f'value="{(TEN + HOUR).isoformat()}"' in html
    appointment.refresh_from_db()
    assert appointment.starts_at == MONDAY_NINE


def test_the_calendar_file_from_the_page(clinic):
    appointment = book()
    response = Client().get(page(appointment, "calendar.ics"))
    assert response.headers["Content-Type"] == "text/calendar"
    event = next(iter(icalendar.Calendar.from_ical(response.content).walk("VEVENT")))
    assert event.decoded("dtstart") == MONDAY_NINE
    Client().post(page(appointment, "cancel/"))
    assert Client().get(page(appointment, "calendar.ics")).status_code == 404


def test_a_front_desk_cancellation_tells_the_patient_not_the_clinic(
    clinic, run_worker, mail
):
    appointment = book()
    run_worker()  # the booking's own emails went out first
    mail.clear()
    drain(
        run_worker,
        lambda: frontdesk.appointment_set_status(
            appointment=appointment,
            status="cancelled",
            reason="Provider ill",
            actor=None,
            ip_address=None,
        ),
    )
    assert [message.to for message in mail] == [["maria@example.com"]]
    assert "Provider ill" not in mail[0].body  # staff's words stay inside
    assert OutgoingMessage.objects.get().sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_two_patients_racing_for_one_freed_time_one_wins(clinic):
    first, second = clinic["providers"]
    maria = book(provider=first)
    ines = book(provider=second, email="ines@example.com", first_name="Inés")
    # Eleven o'clock: the second provider is busy, the first one frees up.
    book(at=ELEVEN, provider=second, email="busy@example.com")
    freed = book(at=ELEVEN, provider=first, email="freed@example.com")
    Client().post(page(freed, "cancel/"))

    barrier = threading.Barrier(2)

    def move(appointment):
        client = Client()
        try:
            barrier.wait(timeout=30)
            return client.post(
                page(appointment, "move/"), {"start": ELEVEN.isoformat()}
            ).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(move, [maria, ines]))
    assert statuses == [302, 409]
    at_eleven = Appointment.objects.filter(starts_at=ELEVEN, status="booked")
    assert sorted(at_eleven.values_list("provider_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )
    loser = Appointment.objects.filter(pk__in=[maria.pk, ines.pk]).exclude(
        starts_at=ELEVEN
    )
    assert loser.get().starts_at == MONDAY_NINE  # kept its time


def test_staff_see_which_messages_the_patient_was_sent(
    clinic, admin_client, run_worker
):
    appointment = book()
    change = f"/admin/booking/appointment/{appointment.pk}/change/"
    assert "None yet." in admin_client.get(change).content.decode()
    drain(
        run_worker,
        lambda: Client().post(page(appointment, "cancel/")),
    )
    html = admin_client.get(change).content.decode()
    assert "Messages sent" in html
    assert "2026-12-01 07:00 EST · Email · cancelled-patient" in html
    assert "cancelled-clinic" in html


def test_the_manage_page_sends_only_the_origin_as_referrer(clinic):
    response = Client().get(page(book()))
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "strict-origin"


def test_changes_through_one_link_are_rate_limited(clinic, settings):
    settings.BOOKING_RATE_LIMIT = 2
    appointment = book()
    client = Client()
    for start in (TEN, MONDAY_NINE):
        assert client.post(
            page(appointment, "move/"), {"start": start}
        ).status_code == (302)
    refused = client.post(page(appointment, "move/"), {"start": TEN.isoformat()})
    assert refused.status_code == 429
    assert Appointment.objects.get(pk=appointment.pk).starts_at == MONDAY_NINE
    assert client.post(page(appointment, "cancel/")).status_code == 429


def test_a_treatment_no_longer_booked_online_is_cancelled_not_moved_online(clinic):
    appointment = book()
    clinic["treatment"].is_bookable_online = False
    clinic["treatment"].save()
    html = Client().get(page(appointment)).content.decode()
    assert page(appointment, "move/") not in html
    assert page(appointment, "cancel/") in html
    move = Client().post(page(appointment, "move/"), {"start": TEN.isoformat()})
    assert move.status_code == 302 and move.url == page(appointment)
    assert Appointment.objects.get(pk=appointment.pk).starts_at == MONDAY_NINE


def test_the_sweep_sends_change_notices_a_task_never_sent(clinic, mail, settings):
    from booking.notices import resend_unsent_change_notices

    appointment = book()
    mail.clear()
    Client().post(page(appointment, "cancel/"))  # its task never runs
    assert resend_unsent_change_notices() == 0  # young: its own task's job
    with time_machine.travel(NOW + datetime.timedelta(days=3), tick=False):
        assert resend_unsent_change_notices() == 0  # too old to be news
    assert mail == []
    with time_machine.travel(NOW + datetime.timedelta(minutes=20), tick=False):
        assert resend_unsent_change_notices() == 1
        assert resend_unsent_change_notices() == 0
    assert sorted(message.to[0] for message in mail) == sorted(
        ["maria@example.com", settings.CLINIC_INBOX_EMAIL]
    )
