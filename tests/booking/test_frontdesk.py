"""The front desk: moving appointments, their status moves and booking requests
(booking.frontdesk), and the admin pages that drive them (day schedule, booking
a caller or a request, moving, check in, cancel)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from booking import emails, frontdesk
from booking.models import (
    Appointment,
    AppointmentRequest,
    AuditEntry,
    Location,
    OpeningHours,
    Provider,
    ProviderSchedule,
    Room,
    RoomKind,
)
from booking.scheduling import SlotTaken, appointment_book
from tests.booking import test_scheduling
from tests.booking.factories import AppointmentRequestFactory, UserFactory
from tests.booking.test_scheduling import MONDAY, NINE_AM, PATIENT

# The calendar fixtures of the scheduling tests (Ana and Ben, Mondays 9 to 5).
calendar = test_scheduling.calendar
open_calendar = test_scheduling.open_calendar

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)
# Before MONDAY: its times are past the minimum notice and within the horizon.
A_WEEK_BEFORE = datetime.datetime(2026, 11, 30, 15, 0, tzinfo=datetime.UTC)
SCHEDULE = reverse("admin:booking_appointment_schedule")
BOOK = reverse("admin:booking_appointment_add")


@pytest.fixture(autouse=True)
def _a_week_before():
    with time_machine.travel(A_WEEK_BEFORE, tick=False):
        yield


@pytest.fixture
def desk(db):
    return UserFactory(username="desk")


def book(calendar, *, provider="ana", at=NINE_AM, room=False, **patient):
    return appointment_book(
        location=calendar["location"],
        treatment=calendar["treatment"],
        provider=calendar[provider],
        room=calendar["room"] if room else None,
        starts_at=at,
        created_by=None,
        **PATIENT | patient,
    )


def changes(appointment) -> list[dict]:
    return list(
        AuditEntry.objects.filter(
            appointment=appointment, action=AuditEntry.Action.CHANGED
        ).values_list("changes", flat=True)
    )


# --- appointment_move -----------------------------------------------------------


def test_a_move_takes_the_new_time_and_releases_the_old(calendar, desk):
    appointment = book(calendar)
    moved = frontdesk.appointment_move(
        appointment=appointment,
        starts_at=NINE_AM + 60 * MINUTE,
        provider=calendar["ben"],
        room=calendar["room"],
        actor=desk,
        ip_address="192.0.2.7",
    )
    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.starts_at, stored.provider, stored.room) == (
        NINE_AM + 60 * MINUTE,
        calendar["ben"],
        calendar["room"],
    )
    assert stored.ends_at == NINE_AM + 90 * MINUTE
    assert stored.blocked_until == NINE_AM + 100 * MINUTE  # the 10 minute buffer
    assert moved.starts_at == stored.starts_at
    # Ana's old time is free again.
    book(calendar, provider="ana", at=NINE_AM)
    entry = AuditEntry.objects.get(
        appointment=appointment, action=AuditEntry.Action.CHANGED
    )
    assert (entry.actor, entry.ip_address) == (desk, "192.0.2.7")
    assert entry.changes["starts_at"][1] == str(NINE_AM + 60 * MINUTE)
    assert entry.changes["provider"] == [
        str(calendar["ana"].pk),
        str(calendar["ben"].pk),
    ]


def test_a_move_may_overlap_its_own_old_time(calendar, desk):
    appointment = book(calendar)
    frontdesk.appointment_move(
        appointment=appointment,
        starts_at=NINE_AM + 15 * MINUTE,
        provider=calendar["ana"],
        room=None,
        actor=desk,
        ip_address=None,
    )
    assert Appointment.objects.get().starts_at == NINE_AM + 15 * MINUTE


@pytest.mark.parametrize("minutes", [60, 75, 99])
def test_a_move_into_a_taken_time_changes_nothing(calendar, desk, minutes):
    appointment = book(calendar)
    book(calendar, at=NINE_AM + 60 * MINUTE, email="other@example.com")
    with pytest.raises(SlotTaken):
        frontdesk.appointment_move(
            appointment=appointment,
            starts_at=NINE_AM + (minutes - 30) * MINUTE,
            provider=calendar["ana"],
            room=None,
            actor=desk,
            ip_address=None,
        )
    stored = Appointment.objects.get(pk=appointment.pk)
    assert (stored.starts_at, stored.ends_at, stored.blocked_until) == (
        NINE_AM,
        NINE_AM + 30 * MINUTE,
        NINE_AM + 40 * MINUTE,
    )
    assert changes(appointment) == []


def test_a_move_into_a_busy_room_is_taken(calendar, desk):
    appointment = book(calendar, provider="ana", room=True)
    other = book(calendar, provider="ben", at=NINE_AM + 60 * MINUTE)
    with pytest.raises(SlotTaken):
        frontdesk.appointment_move(
            appointment=other,
            starts_at=NINE_AM,
            provider=calendar["ben"],
            room=calendar["room"],
            actor=desk,
            ip_address=None,
        )
    assert Appointment.objects.get(pk=appointment.pk).starts_at == NINE_AM


def test_only_a_booked_appointment_moves(calendar, desk):
    appointment = book(calendar)
    frontdesk.appointment_set_status(
        appointment=appointment,
        status=Appointment.Status.CHECKED_IN,
        actor=desk,
        ip_address=None,
    )
    with pytest.raises(ValidationError, match="only a booked appointment"):
        frontdesk.appointment_move(
            appointment=appointment,
            starts_at=NINE_AM + 60 * MINUTE,
            provider=calendar["ana"],
            room=None,
            actor=desk,
            ip_address=None,
        )


# --- appointment_set_status -----------------------------------------------------


def test_check_in_then_complete(calendar, desk):
    appointment = book(calendar)
    for status in (Appointment.Status.CHECKED_IN, Appointment.Status.COMPLETED):
        frontdesk.appointment_set_status(
            appointment=appointment, status=status, actor=desk, ip_address="192.0.2.8"
        )
        assert Appointment.objects.get().status == status
    assert [entry["status"] for entry in reversed(changes(appointment))] == [
        ["booked", "checked_in"],
        ["checked_in", "completed"],
    ]


@pytest.mark.parametrize(
    ("first", "then"),
    [
        (None, Appointment.Status.COMPLETED),  # not checked in yet
        (Appointment.Status.NO_SHOW, Appointment.Status.CHECKED_IN),
        (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW),
    ],
)
def test_forbidden_status_moves_are_refused(calendar, desk, first, then):
    appointment = book(calendar)
    if first == Appointment.Status.COMPLETED:
        frontdesk.appointment_set_status(
            appointment=appointment,
            status=Appointment.Status.CHECKED_IN,
            actor=desk,
            ip_address=None,
        )
    if first is not None:
        frontdesk.appointment_set_status(
            appointment=appointment, status=first, actor=desk, ip_address=None
        )
    before = Appointment.objects.get().status
    with pytest.raises(ValidationError) as error:
        frontdesk.appointment_set_status(
            appointment=appointment, status=then, actor=desk, ip_address=None
        )
    assert appointment.reference in error.value.messages[0]
    assert "cannot be marked" in error.value.messages[0]
    assert Appointment.objects.get().status == before


def test_booked_is_not_a_front_desk_status(calendar, desk):
    appointment = book(calendar)
    with pytest.raises(ValidationError):
        frontdesk.appointment_set_status(
            appointment=appointment,
            status=Appointment.Status.HELD,
            actor=desk,
            ip_address=None,
        )


def test_cancelling_needs_a_reason_and_frees_the_time(calendar, desk):
    appointment = book(calendar)
    with pytest.raises(ValidationError) as error:
        frontdesk.appointment_set_status(
            appointment=appointment,
            status=Appointment.Status.CANCELLED,
            reason="   ",
            actor=desk,
            ip_address=None,
        )
    assert "reason" in error.value.message_dict
    assert Appointment.objects.get().status == Appointment.Status.BOOKED

    frontdesk.appointment_set_status(
        appointment=appointment,
        status=Appointment.Status.CANCELLED,
        reason="Patient has a cold",
        actor=desk,
        ip_address=None,
    )
    stored = Appointment.objects.get()
    assert stored.status == Appointment.Status.CANCELLED
    assert stored.cancellation_reason == "Patient has a cold"
    book(calendar, at=NINE_AM)  # the time is free again
    assert changes(appointment)[0]["status"] == ["booked", "cancelled"]


# --- appointment_from_request ---------------------------------------------------


@pytest.fixture
def request_for_laser(calendar):
    return AppointmentRequestFactory(
        treatment=calendar["treatment"],
        first_name="Rosa",
        last_name="Diaz",
        email="rosa@example.com",
        phone="+12175440199",
        message="Mornings please",
    )


def from_request(calendar, appointment_request, desk, *, provider="ana", at=NINE_AM):
    return frontdesk.appointment_from_request(
        appointment_request=appointment_request,
        location=calendar["location"],
        provider=calendar[provider],
        room=None,
        starts_at=at,
        actor=desk,
        ip_address="192.0.2.9",
    )


def test_a_request_becomes_an_appointment(calendar, request_for_laser, desk):
    appointment = from_request(calendar, request_for_laser, desk)
    request_for_laser.refresh_from_db()
    assert appointment.appointment_request == request_for_laser
    assert appointment.created_by == desk
    assert appointment.treatment == calendar["treatment"]
    assert appointment.status == Appointment.Status.BOOKED
    for field in Appointment.PATIENT_FIELDS:
        assert getattr(appointment, field) == getattr(request_for_laser, field)
    assert request_for_laser.status == AppointmentRequest.Status.SCHEDULED
    assert request_for_laser.scheduled_for == NINE_AM
    assert request_for_laser.handled_by == desk
    assert list(request_for_laser.appointments.all()) == [appointment]
    created = AuditEntry.objects.get(appointment=appointment)
    assert (created.action, created.actor) == (AuditEntry.Action.CREATED, desk)
    changed = AuditEntry.objects.get(
        appointment_request=request_for_laser, action=AuditEntry.Action.CHANGED
    )
    assert changed.changes["status"] == ["new", "scheduled"]
    assert changed.actor == desk and changed.ip_address == "192.0.2.9"


def test_a_request_without_a_treatment_is_refused(calendar, desk):
    appointment_request = AppointmentRequestFactory(treatment=None)
    with pytest.raises(ValidationError, match="names no treatment"):
        from_request(calendar, appointment_request, desk)
    assert not Appointment.objects.exists()


def test_a_taken_time_leaves_the_request_as_it_was(calendar, request_for_laser, desk):
    book(calendar)
    with pytest.raises(SlotTaken):
        from_request(calendar, request_for_laser, desk, at=NINE_AM + 15 * MINUTE)
    request_for_laser.refresh_from_db()
    assert request_for_laser.status == AppointmentRequest.Status.NEW
    assert request_for_laser.scheduled_for is None
    assert Appointment.objects.count() == 1


def test_a_request_is_booked_once(calendar, request_for_laser, desk):
    from_request(calendar, request_for_laser, desk)
    with pytest.raises(ValidationError, match="already has appointment"):
        from_request(calendar, request_for_laser, desk, provider="ben")


def test_a_declined_request_must_be_reopened_first(calendar, request_for_laser, desk):
    request_for_laser.status = AppointmentRequest.Status.DECLINED
    request_for_laser.save()
    request_for_laser = AppointmentRequest.objects.get(pk=request_for_laser.pk)
    with pytest.raises(ValidationError):
        from_request(calendar, request_for_laser, desk)
    assert not Appointment.objects.exists()


# --- the day schedule -------------------------------------------------------------


def schedule(client, calendar, day=MONDAY, **params):
    query = {"location": calendar["location"].pk, "date": day.isoformat()} | params
    return client.get(SCHEDULE, query)


def blocks(response) -> dict[str, tuple[str, int]]:
    """Each appointment's reference -> (its provider column, rows spanned), and
    the local time of the row it starts in."""
    columns = [p.display_name for p in response.context["columns"]]
    placed = {}
    for row in response.context["rows"]:
        for column, cell in zip(columns, row["cells"], strict=True):
            for appointment in cell.appointments if cell else ():
                placed[appointment.reference] = (
                    column,
                    row["time"].strftime("%H:%M"),
                    cell.rowspan,
                )
    return placed


def test_the_schedule_has_a_column_per_provider_and_places_blocks(
    admin_client, open_calendar
):
    ana = book(open_calendar, provider="ana", first_name="Ana's patient")
    ben = book(
        open_calendar,
        provider="ben",
        at=NINE_AM + 75 * MINUTE,
        first_name="Ben's patient",
    )
    response = schedule(admin_client, open_calendar)
    assert response.status_code == 200
    assert [p.display_name for p in response.context["columns"]] == [
        "Ana Ruiz",
        "Ben Cole",
    ]
    rows = response.context["rows"]
    assert rows[0]["time"].strftime("%H:%M %Z") == "09:00 EST"
    assert rows[-1]["time"].strftime("%H:%M") == "16:45"
    assert blocks(response) == {
        ana.reference: ("Ana Ruiz", "09:00", 2),
        ben.reference: ("Ben Cole", "10:15", 2),
    }
    html = response.content.decode()
    assert 'class="booking-appt booking-appt-booked"' in html
    assert "Ana&#x27;s patient" in html
    assert " style=" not in html  # the Content-Security-Policy forbids them


def test_a_hold_blocks_its_time_on_the_schedule_but_links_nowhere(
    admin_client, open_calendar
):
    """The admin has no page for a hold (booking.admin.appointments)."""
    hold = book(open_calendar, first_name="Still typing")
    Appointment.objects.filter(pk=hold.pk).update(
        status=Appointment.Status.HELD,
        hold_expires_at=timezone.now() + datetime.timedelta(minutes=10),
    )
    response = schedule(admin_client, open_calendar)
    assert hold.reference in blocks(response)
    change = reverse("admin:booking_appointment_change", args=[hold.pk])
    assert change not in response.content.decode()


def test_a_cancelled_appointment_is_never_sent_its_booked_emails_later(
    open_calendar, desk, mailoutbox
):
    """A retry after a mail outage, or the operator's command, must not tell
    the patient the appointment they cancelled is booked."""
    appointment = book(open_calendar)
    frontdesk.appointment_set_status(
        appointment=appointment,
        status=Appointment.Status.CANCELLED,
        reason="Called to cancel",
        actor=desk,
        ip_address=None,
    )
    mailoutbox.clear()
    assert emails.send_once(Appointment, appointment.pk, "confirmation") is False
    assert emails.send_once(Appointment, appointment.pk, "clinic") is False
    assert mailoutbox == []


def test_status_colours_and_cancelled_list(admin_client, open_calendar, desk):
    checked_in = book(open_calendar)
    frontdesk.appointment_set_status(
        appointment=checked_in,
        status=Appointment.Status.CHECKED_IN,
        actor=desk,
        ip_address=None,
    )
    cancelled = book(open_calendar, provider="ben", last_name="Gone")
    frontdesk.appointment_set_status(
        appointment=cancelled,
        status=Appointment.Status.CANCELLED,
        reason="Called to cancel",
        actor=desk,
        ip_address=None,
    )
    response = schedule(admin_client, open_calendar)
    assert "booking-appt-checked_in" in response.content.decode()
    assert response.context["cancelled"] == [cancelled]
    assert cancelled.reference not in blocks(response)


def test_the_schedule_shows_today_by_default_with_previous_and_next(
    admin_client, open_calendar
):
    response = admin_client.get(SCHEDULE)
    # 15:00 UTC is 10:00 in New York, on Monday 30 November.
    assert response.context["day"] == datetime.date(2026, 11, 30)
    location = open_calendar["location"].pk
    assert response.context["links"]["previous"] == (
        f"location={location}&date=2026-11-29"
    )
    assert response.context["links"]["next"] == f"location={location}&date=2026-12-01"
    html = response.content.decode()
    assert f'href="?location={location}&amp;date=2026-12-01" rel="next"' in html
    later = schedule(admin_client, open_calendar, day=MONDAY)
    assert later.context["links"]["today"] == f"location={location}&date=2026-11-30"


def test_the_location_filter(admin_client, open_calendar):
    elsewhere = Location.objects.create(
        name="Shelbyville",
        street="1 Main Street",
        city="Shelbyville",
        postal_code="62565",
        time_zone="America/Chicago",
    )
    OpeningHours.objects.create(
        location=elsewhere,
        weekday=0,
        opens=datetime.time(8),
        closes=datetime.time(12),
    )
    cleo = Provider.objects.create(display_name="Cleo Park", credential="PA")
    ProviderSchedule.objects.create(
        provider=cleo,
        location=elsewhere,
        weekday=0,
        starts=datetime.time(8),
        ends=datetime.time(12),
    )
    there = appointment_book(
        location=elsewhere,
        treatment=open_calendar["treatment"],
        provider=cleo,
        room=None,
        starts_at=NINE_AM,  # 08:00 in Chicago
        created_by=None,
        **PATIENT,
    )
    here = schedule(admin_client, open_calendar)
    assert "Cleo Park" not in here.content.decode()
    assert there.reference not in blocks(here)
    response = admin_client.get(
        SCHEDULE, {"location": elsewhere.pk, "date": MONDAY.isoformat()}
    )
    assert response.context["location"] == elsewhere
    assert [p.display_name for p in response.context["columns"]] == ["Cleo Park"]
    assert blocks(response) == {there.reference: ("Cleo Park", "08:00", 2)}


def test_the_schedule_rows_are_real_time_on_the_fall_back_day(admin_client, calendar):
    OpeningHours.objects.create(
        location=calendar["location"],
        weekday=6,
        opens=datetime.time(0),
        closes=datetime.time(3),
    )
    response = schedule(admin_client, calendar, day=datetime.date(2026, 11, 1))
    labels = [row["time"].strftime("%H:%M %Z") for row in response.context["rows"]]
    assert len(labels) == 16  # four real hours: 01:00-02:00 happens twice
    assert labels[4:9] == [
        "01:00 EDT",
        "01:15 EDT",
        "01:30 EDT",
        "01:45 EDT",
        "01:00 EST",
    ]
    assert labels[-1] == "02:45 EST"


def test_the_schedule_is_for_staff_who_may_view_appointments(
    client, front_desk_client, open_calendar
):
    book(open_calendar, last_name="Secretname")
    assert schedule(front_desk_client, open_calendar).status_code == 200
    client.force_login(UserFactory(username="editor", groups=["Content editors"]))
    response = schedule(client, open_calendar)
    assert response.status_code == 403
    assert "Secretname" not in response.content.decode()


def test_the_schedule_costs_the_same_queries_whatever_the_bookings(
    admin_client, open_calendar, django_assert_max_num_queries
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert schedule(admin_client, open_calendar).status_code == 200
        return len(queries)

    book(open_calendar)
    few = count()
    for index in range(1, 12):
        for provider in ("ana", "ben"):
            book(
                open_calendar,
                provider=provider,
                at=NINE_AM + index * 40 * MINUTE,
                email=f"{provider}{index}@example.com",
            )
    with django_assert_max_num_queries(few):
        response = schedule(admin_client, open_calendar)
    assert len(blocks(response)) == 23


# --- the admin pages --------------------------------------------------------------


def test_the_changelist_links_to_the_schedule_and_booking(admin_client, calendar):
    response = admin_client.get(reverse("admin:booking_appointment_changelist"))
    html = response.content.decode()
    assert SCHEDULE in html and BOOK in html


def find_query(calendar, provider=""):
    return {
        "location": calendar["location"].pk,
        "treatment": calendar["treatment"].pk,
        "provider": provider,
        "date": MONDAY.isoformat(),
    }


def caller_details(**overrides):
    return {
        "first_name": "Tom",
        "last_name": "Baker",
        "email": "tom@example.com",
        "phone": "(217) 544-0155",
        "patient_type": "returning",
        "contact_method": "call",
        "message": "",
        "consent": "on",
    } | overrides


def slot_value(calendar, provider="ana", at=NINE_AM):
    return f"{at.isoformat()}|{calendar[provider].pk}|"


def test_booking_a_phone_caller(admin_client, open_calendar, admin_user):
    query = find_query(open_calendar)
    page = admin_client.get(BOOK, query)
    assert page.status_code == 200
    choices = dict(page.context["slots"].fields["slot"].choices)
    assert choices[slot_value(open_calendar)] == "09:00 · Ana Ruiz"
    response = admin_client.post(
        f"{BOOK}?{page.context['query']}",
        {"slot": slot_value(open_calendar)} | caller_details(),
    )
    assert response.status_code == 302
    booked = Appointment.objects.get()
    assert (booked.starts_at, booked.provider, booked.created_by) == (
        NINE_AM,
        open_calendar["ana"],
        admin_user,
    )
    assert booked.phone == "+12175440155"
    assert response.url == f"{SCHEDULE}?location={booked.location_id}&date=2026-12-07"


def test_any_provider_goes_to_the_least_booked(admin_client, open_calendar):
    book(open_calendar, provider="ana", at=NINE_AM + 240 * MINUTE)
    page = admin_client.get(BOOK, find_query(open_calendar))
    choices = dict(page.context["slots"].fields["slot"].choices)
    assert choices[slot_value(open_calendar, "ben")] == "09:00 · Ben Cole"


def test_a_time_taken_meanwhile_is_a_friendly_error_keeping_the_details(
    admin_client, open_calendar
):
    query = find_query(open_calendar, provider=open_calendar["ana"].pk)
    book(open_calendar, provider="ana")  # someone else, a moment earlier
    response = admin_client.post(
        f"{BOOK}?{'&'.join(f'{k}={v}' for k, v in query.items())}",
        {"slot": slot_value(open_calendar)} | caller_details(),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "That time was just taken" in html
    assert 'value="tom@example.com"' in html
    assert Appointment.objects.count() == 1


def test_a_race_lost_at_the_database_is_a_friendly_error(
    admin_client, open_calendar, monkeypatch
):
    def taken(**kwargs):
        raise SlotTaken

    monkeypatch.setattr("booking.scheduling.appointment_book", taken)
    query = "&".join(f"{k}={v}" for k, v in find_query(open_calendar).items())
    response = admin_client.post(
        f"{BOOK}?{query}", {"slot": slot_value(open_calendar)} | caller_details()
    )
    assert response.status_code == 200
    assert "That time was just taken" in response.content.decode()


def test_booking_pages_need_the_add_permission(
    client, front_desk_client, open_calendar
):
    assert front_desk_client.get(BOOK, find_query(open_calendar)).status_code == 200
    client.force_login(UserFactory(username="editor", groups=["Content editors"]))
    response = client.get(BOOK, find_query(open_calendar))
    assert response.status_code == 403
    assert "Ana Ruiz" not in response.content.decode()


def change_url(appointment):
    return reverse("admin:booking_appointment_change", args=[appointment.pk])


def test_the_appointment_page_offers_the_front_desk_actions(
    admin_client, open_calendar, admin_user
):
    appointment = book(open_calendar)
    response = admin_client.get(change_url(appointment))
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Checked in", "Cancel the appointment", "Move…", "Day schedule"):
        assert text in html
    assert 'name="_save"' not in html  # the form itself is read-only
    viewed = AuditEntry.objects.get(
        appointment=appointment, action=AuditEntry.Action.VIEWED
    )
    assert viewed.actor == admin_user


def status_url(appointment):
    return reverse("admin:booking_appointment_status", args=[appointment.pk])


def test_check_in_and_cancel_through_the_admin(admin_client, open_calendar):
    appointment = book(open_calendar)
    response = admin_client.post(status_url(appointment), {"status": "checked_in"})
    assert response.status_code == 302
    assert Appointment.objects.get().status == Appointment.Status.CHECKED_IN

    other = book(open_calendar, provider="ben")
    response = admin_client.post(
        status_url(other),
        {"status": "cancelled", "reason": "", "cancelled_by": "patient"},
        follow=True,
    )
    assert "Say why the appointment is cancelled" in response.content.decode()
    response = admin_client.post(
        status_url(other), {"status": "cancelled", "reason": "Moved"}, follow=True
    )
    assert "Say who cancelled" in response.content.decode()
    assert Appointment.objects.get(pk=other.pk).status == Appointment.Status.BOOKED
    admin_client.post(
        status_url(other),
        {"status": "cancelled", "reason": "Moved away", "cancelled_by": "patient"},
    )
    other.refresh_from_db()
    assert (other.status, other.cancellation_reason) == ("cancelled", "Moved away")
    assert other.cancelled_by == "patient"
    assert not other.late_cancellation  # a week ahead: in good time


def test_a_patients_cancellation_inside_the_cut_off_is_late_the_clinics_not(
    open_calendar, desk
):
    patients, clinics = book(open_calendar), book(open_calendar, provider="ben")
    with time_machine.travel(NINE_AM - datetime.timedelta(hours=3), tick=False):
        for appointment, who in ((patients, "patient"), (clinics, "clinic")):
            frontdesk.appointment_set_status(
                appointment=appointment,
                status="cancelled",
                reason="Called in",
                cancelled_by=who,
                actor=desk,
                ip_address=None,
            )
    patients.refresh_from_db()
    clinics.refresh_from_db()
    assert patients.late_cancellation and not clinics.late_cancellation
    missed = Appointment.objects.missed()
    assert list(missed) == [patients]


def test_a_forbidden_move_through_the_admin_is_a_message(admin_client, open_calendar):
    appointment = book(open_calendar)
    response = admin_client.post(
        status_url(appointment), {"status": "completed"}, follow=True
    )
    assert "cannot be marked completed" in response.content.decode()
    assert Appointment.objects.get().status == Appointment.Status.BOOKED


def test_check_in_as_a_list_action(admin_client, open_calendar):
    first = book(open_calendar)
    second = book(open_calendar, provider="ben")
    response = admin_client.post(
        reverse("admin:booking_appointment_changelist"),
        {"action": "mark_checked_in", "_selected_action": [first.pk, second.pk]},
    )
    assert response.status_code == 302
    assert set(Appointment.objects.values_list("status", flat=True)) == {"checked_in"}


def move_url(appointment, **query):
    url = reverse("admin:booking_appointment_move", args=[appointment.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_moving_to_a_free_time(admin_client, open_calendar):
    appointment = book(open_calendar)
    page = admin_client.get(move_url(appointment))
    assert page.status_code == 200
    choices = dict(page.context["form"].fields["slot"].choices)
    later = NINE_AM + 120 * MINUTE
    assert choices[slot_value(open_calendar, at=later)] == "11:00 · Ana Ruiz"
    response = admin_client.post(
        move_url(appointment), {"slot": slot_value(open_calendar, at=later)}
    )
    assert response.status_code == 302
    assert Appointment.objects.get().starts_at == later


def test_moving_to_a_typed_time_another_provider(admin_client, open_calendar):
    appointment = book(open_calendar)
    response = admin_client.post(
        move_url(appointment),
        {"time": "09:10", "provider": open_calendar["ben"].pk},
    )
    assert response.status_code == 302
    stored = Appointment.objects.get()
    assert (stored.starts_at, stored.provider) == (
        NINE_AM + 10 * MINUTE,
        open_calendar["ben"],
    )


def test_moving_into_a_taken_time_is_a_friendly_error(admin_client, open_calendar):
    appointment = book(open_calendar)
    book(open_calendar, at=NINE_AM + 60 * MINUTE, email="other@example.com")
    response = admin_client.post(move_url(appointment), {"time": "10:20"})
    assert response.status_code == 200
    assert "That time was just taken" in response.content.decode()
    assert Appointment.objects.get(pk=appointment.pk).starts_at == NINE_AM


def test_the_request_page_links_to_booking_it(
    admin_client, open_calendar, request_for_laser
):
    response = admin_client.get(
        reverse("admin:booking_appointmentrequest_change", args=[request_for_laser.pk])
    )
    url = reverse("admin:booking_appointment_from_request", args=[request_for_laser.pk])
    assert url in response.content.decode()
    assert "Book a time for this request" in response.content.decode()


def test_booking_a_request_through_the_admin(
    admin_client, open_calendar, request_for_laser
):
    url = reverse("admin:booking_appointment_from_request", args=[request_for_laser.pk])
    page = admin_client.get(
        url, find_query(open_calendar, provider=open_calendar["ben"].pk)
    )
    assert page.status_code == 200
    assert "Rosa Diaz" in page.content.decode()
    response = admin_client.post(
        f"{url}?{page.context['query']}", {"slot": slot_value(open_calendar, "ben")}
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    request_for_laser.refresh_from_db()
    assert appointment.appointment_request == request_for_laser
    assert appointment.email == "rosa@example.com"
    assert request_for_laser.status == AppointmentRequest.Status.SCHEDULED


def test_a_treatment_needing_a_room_cannot_be_moved_out_of_it(open_calendar):
    """Without a room it would escape the room's overlap constraint."""
    treatment = open_calendar["treatment"]
    treatment.room_kind = open_calendar["room"].kind
    treatment.save()
    appointment = book(open_calendar, room=True)
    other_kind = Room.objects.create(
        location=open_calendar["location"],
        name="Consulting room",
        kind=RoomKind.objects.create(name="Consulting"),
    )
    for room in (None, other_kind):
        with pytest.raises(ValidationError, match="needs a room of kind"):
            frontdesk.appointment_move(
                appointment=appointment,
                starts_at=appointment.starts_at,
                provider=appointment.provider,
                room=room,
                actor=None,
                ip_address=None,
            )
    appointment.refresh_from_db()
    assert appointment.room == open_calendar["room"]


def test_a_time_offered_for_any_provider_stays_bookable_when_the_pick_changes(
    admin_client, open_calendar
):
    """ "Any provider" offers each time with the least busy provider; a booking
    meanwhile may change who that is, but the offered pair is still free."""
    page = admin_client.get(BOOK, find_query(open_calendar))
    offered = next(
        value
        for value, label in page.context["slots"].fields["slot"].choices
        if label.startswith("11:00")
    )
    _start, provider_id, _room = offered.split("|")
    # Someone books the offered provider at 09:00: "any" would now pick the other.
    book(
        open_calendar,
        provider="ana" if int(provider_id) == open_calendar["ana"].pk else "ben",
    )
    response = admin_client.post(
        f"{BOOK}?{page.context['query']}", {"slot": offered} | caller_details()
    )
    assert response.status_code == 302
    booked = Appointment.objects.get(first_name="Tom")
    assert booked.provider_id == int(provider_id)
