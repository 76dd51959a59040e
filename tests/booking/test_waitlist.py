"""The waitlist: joining, which entries a freed time suits, offers in join order
and each once, the offer and leave pages, expiry, and the admin."""

import datetime
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking import waitlist
from booking.models import (
    Appointment,
    Location,
    OutgoingMessage,
    ProviderSchedule,
    WaitlistEntry,
)
from booking.ratelimit import RateLimited
from booking.scheduling import appointment_book
from booking.views.waitlist import JOINED_KEY
from tests.booking import test_scheduling
from tests.booking.factories import TreatmentFactory, queued
from tests.booking.test_journey import details
from tests.booking.test_scheduling import MONDAY, NINE_AM, PATIENT, run_concurrently
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

# The calendar fixtures of the scheduling tests (Ana and Ben, Mondays 9 to 5,
# New York).
calendar = test_scheduling.calendar
open_calendar = test_scheduling.open_calendar

pytestmark = pytest.mark.django_db

# Tuesday 2026-12-01, 12:00 UTC (07:00 in New York): MONDAY is next week.
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
SUNDAY = MONDAY - datetime.timedelta(days=1)
TUESDAY = MONDAY + datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clinic(open_calendar):
    treatment = open_calendar["treatment"]
    treatment.is_bookable_online = True
    treatment.save()
    return open_calendar


def wait(clinic, *, first=MONDAY, last=MONDAY, **fields) -> WaitlistEntry:
    """A waiting entry, stored as it is (no date rules: any past or future)."""
    return WaitlistEntry.objects.create(
        **{
            "treatment": clinic["treatment"],
            "location": clinic["location"],
            "first_name": "Zelda",
            "email": "zelda@example.com",
            "earliest_date": first,
            "latest_date": last,
        }
        | fields
    )


def join(clinic, **fields) -> tuple[WaitlistEntry, bool]:
    return waitlist.waitlist_join(
        **{
            "treatment": clinic["treatment"],
            "location": clinic["location"],
            "first_name": "Zelda",
            "email": "zelda@example.com",
            "earliest_date": MONDAY,
            "latest_date": MONDAY + datetime.timedelta(days=6),
            "time_of_day": "morning",
            "client_ip": "203.0.113.9",
        }
        | fields
    )


def offer(clinic, at=NINE_AM, *, until=None) -> int:
    """Offer what freeing [at, until) makes possible; by default a laser
    appointment's time (30 minutes plus 10 of cleanup)."""
    return waitlist.waitlist_offer_send(
        location_id=clinic["location"].pk,
        starts_at=at,
        blocked_until=until or at + datetime.timedelta(minutes=40),
    )


def book(clinic, *, provider="ana", at=NINE_AM, treatment=None) -> Appointment:
    return appointment_book(
        location=clinic["location"],
        treatment=treatment or clinic["treatment"],
        provider=clinic[provider],
        room=None,
        starts_at=at,
        created_by=None,
        **PATIENT,
    )


def cancel(appointment) -> None:
    """Cancel as the manage page does: time_freed in the cancelling transaction."""
    with transaction.atomic():
        Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")
        waitlist.time_freed(appointment)


def emailed(mailoutbox) -> list[str]:
    return [message.to[0] for message in mailoutbox]


# --- joining ----------------------------------------------------------------------


def test_joining_stores_a_waiting_entry(clinic):
    entry, created = join(clinic)
    assert created
    assert entry.status == WaitlistEntry.Status.WAITING
    assert (entry.earliest_date, entry.latest_date) == (
        MONDAY,
        MONDAY + datetime.timedelta(days=6),
    )
    assert len(entry.token) >= 40
    assert WaitlistEntry.objects.get() == entry


@pytest.mark.parametrize(
    ("first", "last", "field", "code"),
    [
        (NOW.date() - datetime.timedelta(days=1), MONDAY, "earliest_date", "past_date"),
        (TUESDAY, MONDAY, "latest_date", "dates_order"),
        # The treatment is booked 60 days ahead: up to January 30, 2027.
        (MONDAY, datetime.date(2027, 1, 31), "latest_date", "too_far"),
    ],
)
def test_joining_refuses_dates_in_the_past_out_of_order_or_past_the_horizon(
    clinic, first, last, field, code
):
    with pytest.raises(ValidationError) as refused:
        join(clinic, earliest_date=first, latest_date=last)
    assert refused.value.error_dict[field][0].code == code
    assert not WaitlistEntry.objects.exists()


def test_the_last_bookable_day_is_still_fine(clinic):
    assert join(clinic, latest_date=datetime.date(2027, 1, 30))[0].pk


def test_joining_twice_for_overlapping_days_keeps_one_entry(clinic):
    first, _ = join(clinic)
    again, created = join(
        clinic, email="ZELDA@example.com", earliest_date=TUESDAY, time_of_day="any"
    )
    # The caller learns it is not theirs to show (see the page's test below).
    assert (again, created) == (first, False)
    assert WaitlistEntry.objects.get() == first


def test_other_days_or_another_treatment_are_another_entry(clinic):
    join(clinic)
    later = MONDAY + datetime.timedelta(days=7)
    join(clinic, earliest_date=later, latest_date=later)
    join(clinic, treatment=TreatmentFactory(slug="peel"))
    assert WaitlistEntry.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_ten_identical_joins_at_once_store_one_entry(clinic, settings):
    settings.BOOKING_RATE_LIMIT = 100
    # From ten addresses: one address's joins already queue on its counter.
    results = run_concurrently(
        lambda n: join(clinic, client_ip=f"203.0.113.{n}"), range(20)
    )
    assert all(isinstance(result, tuple) for result in results), results
    assert WaitlistEntry.objects.count() == 1
    assert {entry.pk for entry, _ in results} == {WaitlistEntry.objects.get().pk}
    assert [created for _, created in results].count(True) == 1


def test_joining_is_rate_limited_per_client_address(clinic, settings):
    settings.BOOKING_RATE_LIMIT = 2
    for n in range(2):
        join(clinic, email=f"patient{n}@example.com")
    with pytest.raises(RateLimited):
        join(clinic, email="patient3@example.com")
    join(clinic, email="patient4@example.com", client_ip="198.51.100.7")
    assert WaitlistEntry.objects.count() == 3


JOIN = "/book/laser/waitlist/"
JOIN_FORM = {
    "first_name": "Zoë",
    "email": "zoe@example.com",
    "earliest_date": "2026-12-07",
    "latest_date": "2026-12-13",
    "time_of_day": "morning",
}


def test_the_times_page_links_to_the_waitlist_for_its_week(client, clinic):
    html = client.get("/book/laser/", {"week": "2026-12-07"}).content.decode()
    assert f'href="{JOIN}?week=2026-12-07"' in html


def test_the_join_page_starts_from_the_week_and_says_what_we_email(client, clinic):
    response = client.get(JOIN, {"week": "2026-12-07"})
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.content.decode()
    assert 'name="earliest_date" value="2026-12-07"' in html
    assert 'name="latest_date" value="2026-12-13"' in html
    assert 'min="2026-12-01"' in html and 'max="2027-01-30"' in html
    assert "we email you a link to book it" in html
    assert "a link to leave it" in html
    # A nonsense week is simply not used.
    assert client.get(JOIN, {"week": "x" * 50}).status_code == 200


def test_joining_through_the_page_says_what_happens_next(client, clinic):
    response = client.post(JOIN, JOIN_FORM)
    assert response.status_code == 302
    assert response.url == "/book/laser/waitlist/joined/"
    entry = WaitlistEntry.objects.get()
    assert (entry.first_name, entry.time_of_day) == ("Zoë", "morning")
    html = client.get(response.url).content.decode()
    assert f"You are on the waitlist for {clinic['treatment'].name}" in html
    assert "each email has a link to leave the list" in html
    # The page is the same whether the address was already waiting (see
    # below), so it shows nothing of the entry; the emails carry its links.
    assert entry.token not in html and "December" not in html
    # Another visitor's session has joined nothing.
    assert Client().get(response.url).status_code == 404


def test_joining_with_an_address_already_waiting_shows_nothing_of_its_entry(
    client, clinic
):
    """Anyone can type anyone's address: the page must not hand them that
    patient's days, their leave link or their offers."""
    theirs = wait(
        clinic,
        email="victim@example.com",
        first=TUESDAY,
        last=TUESDAY + datetime.timedelta(days=2),
        time_of_day="afternoon",
    )
    mine = Client()
    mine_joined = mine.post(JOIN, JOIN_FORM | {"email": "mine@example.com"})
    response = client.post(JOIN, JOIN_FORM | {"email": "VICTIM@example.com"})
    assert response.status_code == 302 and response.url == mine_joined.url
    assert WaitlistEntry.objects.filter(email__iexact="victim@example.com").get() == (
        theirs
    )
    html = client.get(response.url).content.decode()
    assert theirs.token not in html
    assert "/leave/" not in html and "December 8" not in html
    assert "Afternoon" not in html
    # Word for word the page a new entry gets: it does not even tell whether
    # the address was on the waitlist.
    assert html == mine.get(mine_joined.url).content.decode()
    # The session holds the treatment joined, and no entry.
    session = dict(client.session.items())
    assert session == {JOINED_KEY: clinic["treatment"].pk}, session
    assert theirs.token not in repr(session)


def test_bad_dates_on_the_page_keep_what_was_typed(client, clinic):
    response = client.post(
        JOIN,
        JOIN_FORM
        | {
            "earliest_date": "2026-11-30",
            "latest_date": "2027-03-01",
            "time_of_day": "",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert "Choose today or a later date." in html
    assert "We book up to January 30, 2027" in html
    assert "Please choose a time of day." in html  # every problem at once
    assert 'value="Zoë"' in html and 'value="zoe@example.com"' in html
    assert not WaitlistEntry.objects.exists()


def test_the_page_refuses_past_the_rate_limit(client, clinic, settings):
    settings.BOOKING_RATE_LIMIT = 1
    assert client.post(JOIN, JOIN_FORM).status_code == 302
    other = JOIN_FORM | {"email": "someone@example.com"}
    assert client.post(JOIN, other).status_code == 429
    assert WaitlistEntry.objects.count() == 1


def test_only_treatments_booked_online_have_a_waitlist(client, clinic):
    TreatmentFactory(slug="peel")
    assert client.get("/book/peel/waitlist/").status_code == 404
    assert client.post("/book/peel/waitlist/", JOIN_FORM).status_code == 404


# --- which entries a freed time suits ---------------------------------------------


def test_a_time_is_offered_to_entries_whose_days_include_it(clinic, mailoutbox):
    wait(clinic, email="before@example.com", first=SUNDAY, last=SUNDAY)
    wait(clinic, email="during@example.com", first=SUNDAY, last=TUESDAY)
    wait(clinic, email="that-day@example.com")
    wait(clinic, email="after@example.com", first=TUESDAY, last=TUESDAY)
    assert offer(clinic) == 2
    assert emailed(mailoutbox) == ["during@example.com", "that-day@example.com"]


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        # Each is another time of day in UTC than in New York. The morning is
        # all of it until noon, as for a request's preferred time
        # (booking.models.TIME_OF_DAY_WINDOWS): an 8:30 opening is the morning.
        (datetime.time(5, 0), "morning"),  # 00:00
        (datetime.time(13, 30), "morning"),  # 08:30
        (datetime.time(14, 0), "morning"),  # 09:00
        (datetime.time(16, 59), "morning"),  # 11:59
        (datetime.time(17, 0), "afternoon"),  # 12:00
        (datetime.time(21, 59), "afternoon"),  # 16:59
        (datetime.time(22, 0), "evening"),  # 17:00
    ],
)
def test_the_time_of_day_is_read_in_the_locations_zone(clinic, utc, expected):
    entries = [
        wait(clinic, time_of_day=time_of_day)
        for time_of_day in ("any", "morning", "afternoon", "evening")
    ]
    starts_at = datetime.datetime.combine(MONDAY, utc, datetime.UTC)
    matching = [entry for entry in entries if waitlist.suits(entry, starts_at)]
    assert sorted(entry.time_of_day for entry in matching) == sorted({"any", expected})


def test_an_evening_time_is_offered_to_evening_entries_only(clinic, mailoutbox):
    ProviderSchedule.objects.filter(provider=clinic["ana"]).update(
        ends=datetime.time(20)
    )
    clinic["location"].opening_hours.filter(weekday=0).update(closes=datetime.time(20))
    wait(clinic, email="morning@example.com", time_of_day="morning")
    wait(clinic, email="evening@example.com", time_of_day="evening")
    assert offer(clinic, at=NINE_AM + 9 * HOUR) == 1  # 18:00 in New York
    assert emailed(mailoutbox) == ["evening@example.com"]


def test_ended_entries_and_treatments_without_a_free_time_are_not_offered(
    clinic, mailoutbox
):
    # Booked online, but nobody here does it.
    other = TreatmentFactory(slug="peel", is_bookable_online=True)
    wait(clinic, email="peel@example.com", treatment=other)
    for status in ("booked", "expired", "removed"):
        wait(clinic, email=f"{status}@example.com", status=status)
    wait(clinic, email="waiting@example.com")
    assert offer(clinic) == 1
    assert emailed(mailoutbox) == ["waiting@example.com"]


def test_only_times_starting_in_the_freed_interval_are_offered(clinic, mailoutbox):
    """Laser is free all day; freeing 11:45 to 12:25 makes 11:45, 12:00 and
    12:15 possible, so each entry gets the earliest of those that suits it."""
    for time_of_day in ("morning", "afternoon", "evening", "any"):
        wait(clinic, email=f"{time_of_day}@example.com", time_of_day=time_of_day)
    at = NINE_AM + datetime.timedelta(hours=2, minutes=45)
    assert offer(clinic, at, until=at + datetime.timedelta(minutes=40)) == 3
    assert emailed(mailoutbox) == [
        "morning@example.com",
        "afternoon@example.com",
        "any@example.com",
    ]
    times = [re.search(r"When: .* at (\S+ [AP]M)", m.body)[1] for m in mailoutbox]
    assert times == ["11:45 AM", "12:00 PM", "11:45 AM"]


def test_a_freed_hour_is_offered_to_a_shorter_treatments_waitlist(
    clinic, mailoutbox, run_worker
):
    """Ana alone works; her 60-minute facial at 9:00 is cancelled. Nobody
    waits for a facial, but the laser (30 minutes plus 10) fits in that hour,
    and its patients are told of 9:00, not of a time outside the hour."""
    clinic["ben"].is_active = False
    clinic["ben"].save()
    facial = TreatmentFactory(
        slug="facial", duration_minutes=60, is_bookable_online=True
    )
    clinic["ana"].treatments.add(facial)
    entry = wait(clinic, email="laser@example.com", time_of_day="morning")
    wait(clinic, email="afternoon@example.com", time_of_day="afternoon")
    appointment = book(clinic, treatment=facial)
    run_worker()  # the booking's own emails
    mailoutbox.clear()

    cancel(appointment)
    run_worker()
    assert emailed(mailoutbox) == ["laser@example.com"]
    assert "Monday, December 7, 2026 at 9:00 AM (EST)" in mailoutbox[0].body
    assert OutgoingMessage.objects.filter(
        key=f"waitlist-offer:{entry.pk}:2026-12-07T14:00:00+00:00",
        sent_at__isnull=False,
    ).exists()


def test_finding_the_offers_takes_as_many_queries_for_many_entries_as_for_one(
    clinic,
):
    peel = TreatmentFactory(slug="peel", is_bookable_online=True)
    clinic["ana"].treatments.add(peel)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            offers = waitlist.freed_offers(
                location=clinic["location"],
                starts_at=NINE_AM,
                blocked_until=NINE_AM + HOUR,
            )
        assert len({entry.treatment_id for entry, _ in offers}) == 2
        return len(captured)

    for treatment in (clinic["treatment"], peel):
        wait(clinic, treatment=treatment)
    one_each = queries()
    for n in range(10):
        for treatment in (clinic["treatment"], peel):
            wait(clinic, email=f"patient{n}@example.com", treatment=treatment)
    assert queries() == one_each


def test_a_time_taken_again_before_the_task_runs_is_not_offered(clinic, mailoutbox):
    wait(clinic)
    book(clinic, provider="ana")
    book(clinic, provider="ben")
    assert offer(clinic) == 0
    assert mailoutbox == []


# --- order and once only ----------------------------------------------------------


def test_offers_go_in_join_order_to_the_first_few_only(clinic, mailoutbox, settings):
    settings.BOOKING_WAITLIST_OFFERS = 3
    # Stored out of order: join time decides, not the row id.
    for minutes in [40, 10, 30, 20, 50]:
        wait(
            clinic,
            email=f"joined-{minutes}@example.com",
            created_at=NOW
            - datetime.timedelta(days=1)
            + datetime.timedelta(minutes=minutes),
        )
    assert offer(clinic) == 3
    assert emailed(mailoutbox) == [
        "joined-10@example.com",
        "joined-20@example.com",
        "joined-30@example.com",
    ]


def test_a_cancellation_offers_its_time_by_email_once(
    clinic, mailoutbox, run_worker, settings
):
    entry = wait(clinic, first_name="Zelda", time_of_day="morning")
    wait(clinic, email="other@example.com", time_of_day="morning")
    appointment = book(clinic)
    run_worker()  # the booking's own emails
    mailoutbox.clear()

    cancel(appointment)
    cancel(appointment)  # freed twice
    run_worker()
    run_worker()
    assert emailed(mailoutbox) == ["zelda@example.com", "other@example.com"]
    assert OutgoingMessage.objects.filter(sent_at__isnull=False).count() == 2

    message = mailoutbox[0]
    body = message.body
    treatment = clinic["treatment"]
    assert treatment.name in body
    assert "Monday, December 7, 2026 at 9:00 AM (EST)" in body
    assert "Springfield, 120 Garden Street, Springfield" in body
    start = "2026-12-07T14%3A00%3A00%2B00%3A00"
    assert f"{settings.SITE_URL}/book/waitlist/{entry.token}/?start={start}" in body
    assert f"{settings.SITE_URL}/book/waitlist/{entry.token}/leave/" in body
    # Nothing else about the patient, and no treatment in the subject.
    for value in ("Zelda", "other@example.com", PATIENT["first_name"]):
        assert value not in body
    assert treatment.name not in message.subject


def test_offers_wait_for_the_mail_server_and_go_once_it_is_back(
    clinic, mailoutbox, mail_down, run_worker
):
    wait(clinic)
    cancel(book(clinic))
    run_worker()
    assert mailoutbox == []
    mail_down.start()
    with time_machine.travel(NOW + datetime.timedelta(minutes=5), tick=False):
        run_worker()
    assert emailed(mailoutbox).count("zelda@example.com") == 1


def test_moving_an_appointment_offers_its_old_time(clinic, mailoutbox, run_worker):
    wait(clinic)
    appointment = book(clinic)
    run_worker()  # the booking's own emails
    with transaction.atomic():
        waitlist.time_freed(appointment)  # with the old time still loaded
        appointment.starts_at += 2 * HOUR
        appointment.blocked_until += 2 * HOUR
        Appointment.objects.filter(pk=appointment.pk).update(
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at + 2 * HOUR,
            blocked_until=appointment.blocked_until,
        )
    mailoutbox.clear()
    run_worker()
    assert len(mailoutbox) == 1
    assert "at 9:00 AM (EST)" in mailoutbox[0].body


def test_a_time_in_the_past_is_not_offered(clinic):
    wait(clinic)
    appointment = book(clinic)
    with time_machine.travel(NINE_AM + HOUR, tick=False):
        waitlist.time_freed(appointment)
    assert queued(waitlist.offer_freed_time) == []
    waitlist.time_freed(appointment)  # still ahead: offered
    assert len(queued(waitlist.offer_freed_time)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_offering_one_time_at_once_email_each_patient_once(
    clinic, mailoutbox
):
    for n in range(3):
        wait(clinic, email=f"patient{n}@example.com")
    results = run_concurrently(lambda _: offer(clinic), range(2))
    assert sum(results) == 3, results
    assert sorted(emailed(mailoutbox)) == [f"patient{n}@example.com" for n in range(3)]


# --- the offer page ---------------------------------------------------------------


def offer_url(entry, at=NINE_AM) -> str:
    url = reverse("booking:waitlist-offer", kwargs={"token": entry.token})
    return f"{url}?start={at.isoformat().replace('+', '%2B')}"


def test_an_offered_time_still_free_has_a_book_button(client, clinic):
    entry = wait(clinic)
    response = client.get(offer_url(entry))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.content.decode()
    assert "Monday, December 7, 2026 at 9:00 AM EST" in html
    assert 'action="/book/laser/"' in html
    assert f'name="start" value="{NINE_AM.isoformat()}"' in html
    assert "Book this time" in html
    assert client.session[waitlist.SESSION_ENTRY_KEY] == entry.pk


def test_an_offered_time_taken_meanwhile_shows_other_times_that_suit(client, clinic):
    entry = wait(clinic, last=TUESDAY, time_of_day="afternoon")
    book(clinic, provider="ana")
    book(clinic, provider="ben")
    html = client.get(offer_url(entry)).content.decode()
    assert "That time was taken" in html and "Book this time" not in html
    starts = [
        datetime.datetime.fromisoformat(value)
        for value in re.findall(r'name="start" value="([^"]+)"', html)
    ]
    assert len(starts) == 6
    zone = clinic["location"].zone
    for start in starts:  # the afternoons of that Monday (Tuesday: no provider)
        local = start.astimezone(zone)
        assert local.date() == MONDAY and 12 <= local.hour < 17, local


def test_booking_from_an_offer_marks_the_entry_booked(client, clinic):
    entry = wait(clinic)
    other = wait(clinic, email="other@example.com")
    client.get(offer_url(entry))
    assert client.post("/book/laser/", {"start": NINE_AM.isoformat()}).status_code == (
        302
    )
    booked = client.post("/book/laser/details/", details())
    assert booked.status_code == 302 and booked.url == "/book/confirmed/"
    appointment = Appointment.objects.get()
    entry.refresh_from_db()
    assert (entry.status, entry.appointment) == ("booked", appointment)
    assert WaitlistEntry.objects.get(pk=other.pk).status == "waiting"
    assert waitlist.SESSION_ENTRY_KEY not in client.session
    assert "You booked" in client.get(offer_url(entry)).content.decode()


def test_booking_another_treatment_leaves_the_entry_waiting(clinic, rf):
    entry = wait(clinic, treatment=TreatmentFactory(slug="peel"))
    request = rf.get("/")
    request.session = {waitlist.SESSION_ENTRY_KEY: entry.pk}
    waitlist.waitlist_booked(request, book(clinic))
    assert WaitlistEntry.objects.get().status == "waiting"


@pytest.mark.django_db(transaction=True)
def test_two_waitlisted_patients_booking_one_time_at_once_get_one_hold(clinic):
    """Both were offered 9:00; the calendar's constraint lets one hold it, the
    other sees the nearest free times."""
    clinic["ben"].is_active = False
    clinic["ben"].save()
    entries = [wait(clinic, email=f"patient{n}@example.com") for n in range(2)]
    barrier = threading.Barrier(2)

    def book_offer(entry):
        client = Client()
        try:
            assert "Book this time" in client.get(offer_url(entry)).content.decode()
            barrier.wait(timeout=30)
            response = client.post("/book/laser/", {"start": NINE_AM.isoformat()})
            return response.status_code, "That time was just taken" in (
                response.content.decode()
            )
        finally:
            connection.close()

    with time_machine.travel(NOW, tick=True):
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = sorted(pool.map(book_offer, entries))
    assert results == [(302, False), (409, True)]
    assert Appointment.objects.get().starts_at == NINE_AM


def test_an_offer_link_without_a_time_lists_the_times_that_suit(client, clinic):
    entry = wait(clinic, time_of_day="morning")
    url = reverse("booking:waitlist-offer", kwargs={"token": entry.token})
    html = client.get(url).content.decode()
    assert "Free times for" in html and "That time was taken" not in html
    assert f'value="{NINE_AM.isoformat()}"' in html


def test_an_unknown_token_is_not_found(client, clinic):
    wait(clinic)
    for path in ("/book/waitlist/forged/", "/book/waitlist/forged/leave/"):
        assert client.get(path).status_code == 404
    assert client.post("/book/waitlist/forged/leave/").status_code == 404


# --- leaving ----------------------------------------------------------------------


def test_leaving_asks_first_then_stops_the_offers(client, clinic, mailoutbox):
    entry = wait(clinic)
    url = reverse("booking:waitlist-leave", kwargs={"token": entry.token})
    page = client.get(url).content.decode()
    assert "Leave the waitlist?" in page and 'method="post"' in page
    assert WaitlistEntry.objects.get().status == "waiting"  # a GET changes nothing

    response = client.post(url)
    assert response.status_code == 302 and response.url == url
    assert WaitlistEntry.objects.get().status == "removed"
    assert "You have left the waitlist" in client.get(url).content.decode()
    assert offer(clinic) == 0 and mailoutbox == []
    html = client.get(offer_url(entry)).content.decode()
    assert "You are no longer on the waitlist" in html and 'name="start"' not in html


# --- expiry -----------------------------------------------------------------------


def test_entries_expire_after_their_last_day_where_the_clinic_is(clinic):
    honolulu = Location.objects.create(
        name="Honolulu",
        street="1 Beach Road",
        city="Honolulu",
        time_zone="Pacific/Honolulu",
    )
    tokyo = Location.objects.create(
        name="Tokyo", street="1 Ginza", city="Tokyo", time_zone="Asia/Tokyo"
    )
    new_york = wait(clinic, email="ny@example.com")
    hawaii = wait(clinic, email="hi@example.com", location=honolulu)
    japan = wait(clinic, email="jp@example.com", location=tokyo)

    def statuses():
        return {
            entry.email: entry.status
            for entry in WaitlistEntry.objects.filter(
                pk__in=[new_york.pk, hawaii.pk, japan.pk]
            )
        }

    def at(day, hour):
        moment = datetime.datetime(2026, 12, day, hour, tzinfo=datetime.UTC)
        return time_machine.travel(moment, tick=False)

    with at(7, 14):  # Monday 09:00 in New York, 23:00 in Tokyo
        assert waitlist.expire_entries() == 0
    with at(7, 15):  # Tuesday 00:00 in Tokyo
        assert waitlist.expire_entries() == 1
    assert statuses()["jp@example.com"] == "expired"
    with at(8, 5):  # Tuesday 00:00 in New York, Monday 19:00 in Honolulu
        assert waitlist.expire_entries() == 1
    assert statuses() == {
        "ny@example.com": "expired",
        "hi@example.com": "waiting",
        "jp@example.com": "expired",
    }
    with at(8, 10):  # Tuesday 00:00 in Honolulu
        assert waitlist.expire_entries() == 1
    assert statuses()["hi@example.com"] == "expired"


# --- the admin ------------------------------------------------------------------


def test_staff_see_search_and_remove_waitlist_entries(admin_client, clinic):
    zelda = wait(clinic)
    ada = wait(clinic, first_name="Ada", email="ada@example.com")
    changelist = reverse("admin:booking_waitlistentry_changelist")
    html = admin_client.get(changelist).content.decode()
    assert "Zelda" in html and "Ada" in html
    assert clinic["treatment"].name in html

    found = admin_client.get(changelist, {"q": "ada@example"}).content.decode()
    assert "Ada" in found and "Zelda" not in found

    response = admin_client.post(
        changelist, {"action": "remove", "_selected_action": [ada.pk]}
    )
    assert response.status_code == 302
    assert WaitlistEntry.objects.get(pk=ada.pk).status == "removed"
    assert WaitlistEntry.objects.get(pk=zelda.pk).status == "waiting"

    page = admin_client.get(
        reverse("admin:booking_waitlistentry_change", args=[zelda.pk])
    ).content.decode()
    assert zelda.token not in page


def test_staff_cannot_edit_add_or_delete_an_entry(admin_client, clinic):
    """Patients make entries and staff only remove them, so nothing changes
    an entry's details without a record."""
    entry = wait(clinic, time_of_day="morning")
    change = reverse("admin:booking_waitlistentry_change", args=[entry.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Zelda" in html and "zelda@example.com" in html
    assert 'name="email"' not in html and 'name="_save"' not in html

    edited = {
        "treatment": entry.treatment_id,
        "location": entry.location_id,
        "first_name": "Mallory",
        "email": "mallory@example.com",
        "earliest_date": "2026-12-08",
        "latest_date": "2026-12-09",
        "time_of_day": "any",
        "status": "booked",
        "_save": "Save",
    }
    assert admin_client.post(change, edited).status_code == 403
    unchanged = WaitlistEntry.objects.get()
    assert (
        unchanged.first_name,
        unchanged.email,
        unchanged.earliest_date,
        unchanged.time_of_day,
        unchanged.status,
        unchanged.updated_at,
    ) == ("Zelda", "zelda@example.com", MONDAY, "morning", "waiting", entry.updated_at)

    add = reverse("admin:booking_waitlistentry_add")
    assert admin_client.get(add).status_code == 403
    assert admin_client.post(add, edited).status_code == 403
    delete = reverse("admin:booking_waitlistentry_delete", args=[entry.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert WaitlistEntry.objects.count() == 1


def test_the_front_desk_sees_and_removes_but_never_deletes_entries(
    front_desk_client, clinic
):
    entry = wait(clinic)
    changelist = reverse("admin:booking_waitlistentry_changelist")
    assert front_desk_client.get(changelist).status_code == 200
    response = front_desk_client.post(
        changelist, {"action": "remove", "_selected_action": [entry.pk]}
    )
    assert response.status_code == 302
    assert WaitlistEntry.objects.get().status == "removed"
    delete = reverse("admin:booking_waitlistentry_delete", args=[entry.pk])
    assert front_desk_client.post(delete, {"post": "yes"}).status_code == 403
    assert WaitlistEntry.objects.exists()


# --- the pages as a reviewer's tools see them (see tests/test_quality.py) --------


@pytest.mark.usefixtures("production_mode")
def test_the_waitlist_pages_are_valid_html_within_the_csp(clinic):
    entry = wait(clinic, last=TUESDAY)
    taken = wait(clinic, email="taken@example.com", last=TUESDAY)
    book(clinic, provider="ana", at=NINE_AM + HOUR)
    book(clinic, provider="ben", at=NINE_AM + HOUR)
    client = Client()
    leave = reverse("booking:waitlist-leave", kwargs={"token": entry.token})
    pages = {
        "join": client.get(JOIN, {"week": "2026-12-07"}, **HTTPS),
        "join errors": client.post(JOIN, JOIN_FORM | {"email": "nope"}, **HTTPS),
        "offer": client.get(offer_url(entry), **HTTPS),
        "offer taken": client.get(offer_url(taken, NINE_AM + HOUR), **HTTPS),
        "leave": client.get(leave, **HTTPS),
    }
    joined = client.post(JOIN, JOIN_FORM, **HTTPS)
    assert joined.status_code == 302
    pages["joined"] = client.get(joined.url, **HTTPS)
    client.post(leave, **HTTPS)
    pages["left"] = client.get(leave, **HTTPS)
    pages["offer after leaving"] = client.get(offer_url(entry), **HTTPS)
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert html_errors(html) == [], name
        nonce = assert_security_headers(name, response)
        assert csp_problems(html, nonce) == [], name


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_violations_on_the_waitlist_pages(live_server, page, clinic):
    entry = wait(clinic, last=TUESDAY)
    book(clinic, provider="ana", at=NINE_AM + HOUR)
    book(clinic, provider="ben", at=NINE_AM + HOUR)
    violations = watch_csp(page)
    with time_machine.travel(NOW, tick=True):
        page.goto(live_server.url + JOIN + "?week=2026-12-07")
        assert_accessible(page, violations)
        page.get_by_role("button", name="Join the waitlist").click()  # empty
        page.wait_for_selector("#error-summary")
        assert_accessible(page, violations)
        page.get_by_label("First name").fill("Zoë")
        page.get_by_role("textbox", name="Email").fill("zoe@example.com")
        page.get_by_label("Morning (9–12)").check()
        page.get_by_role("button", name="Join the waitlist").click()
        page.get_by_role("heading", name="You are on the waitlist").wait_for()
        assert_accessible(page, violations)

        page.goto(live_server.url + offer_url(entry))
        page.get_by_role("button", name="Book this time").wait_for()
        assert_accessible(page, violations)
        page.goto(live_server.url + offer_url(entry, NINE_AM + HOUR))
        page.get_by_role("heading", name="That time was taken").wait_for()
        assert_accessible(page, violations)

        page.get_by_role("link", name="Leave the waitlist").click()
        page.get_by_role("heading", name="Leave the waitlist?").wait_for()
        assert_accessible(page, violations)
        page.get_by_role("button", name="Leave the waitlist").click()
        page.get_by_role("heading", name="You have left the waitlist").wait_for()
        assert_accessible(page, violations)
    assert WaitlistEntry.objects.get(pk=entry.pk).status == "removed"
