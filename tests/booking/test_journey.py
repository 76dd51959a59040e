"""The patient's online booking, through HTTP: pick a time, hold it, give
details, see the confirmation and get the calendar file and email."""

import datetime
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import icalendar
import pytest
import time_machine
from django.db import connection
from django.test import Client

from booking.models import (
    Appointment,
    Closure,
    Location,
    OpeningHours,
    Provider,
    ProviderSchedule,
)
from booking.scheduling import HOLD_DURATION
from booking.views import cached
from tests.booking.factories import TreatmentFactory, signed_form_token

pytestmark = pytest.mark.django_db
# Tuesday 2026-12-01, 12:00 UTC (07:00 in New York): the clock for every test.
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
# Monday 2026-12-07, 09:00 EST.
MONDAY_NINE = datetime.datetime(2026, 12, 7, 14, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clinic(db):
    location = Location.objects.create(
        name="Springfield",
        street="120 Garden Street",
        city="Springfield",
        region="IL",
        postal_code="62701",
        time_zone="America/New_York",
    )
    for weekday in range(5):
        OpeningHours.objects.create(
            location=location,
            weekday=weekday,
            opens=datetime.time(9),
            closes=datetime.time(17),
        )
    treatment = TreatmentFactory(
        name="Botox Cosmetic",
        slug="botox",
        duration_minutes=30,
        buffer_after_minutes=10,
        is_bookable_online=True,
    )
    providers = []
    for name in ("Demo Provider A", "Demo Provider B"):
        provider = Provider.objects.create(display_name=name, credential="NP")
        provider.locations.add(location)
        provider.treatments.add(treatment)
        ProviderSchedule.objects.create(
            provider=provider,
            location=location,
            weekday=0,  # Mondays only
            starts=datetime.time(9),
            ends=datetime.time(17),
        )
        providers.append(provider)
    return {"location": location, "treatment": treatment, "providers": providers}


DETAILS = {
    "first_name": "Maria",
    "last_name": "García",
    "email": "maria@example.com",
    "phone": "(217) 544-0123",
    "patient_type": "new",
    "contact_method": "email",
    "message": "",
    "consent": "on",
    "leave_blank": "",
}


def details(**overrides):
    return DETAILS | {"form_token": signed_form_token()} | overrides


def hold(client, at=MONDAY_NINE, **extra):
    return client.post("/book/botox/", {"start": at.isoformat(), **extra})


def test_the_start_page_lists_what_can_be_booked_online(client, clinic):
    TreatmentFactory(name="Consultation", slug="consultation")
    html = client.get("/book/").content.decode()
    assert 'href="/book/botox/"' in html
    assert 'href="/book/consultation/"' not in html  # request-only
    assert 'href="/book/request/"' in html


def test_the_week_shows_free_times_in_the_clinics_zone(client, clinic):
    response = client.get("/book/botox/")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.content.decode()
    assert "Monday, December 7" in html
    assert f'value="{MONDAY_NINE.isoformat()}"' in html
    assert ">9:00 AM<" in html and ">4:15 PM<" in html  # 16:15 + 40 min fits
    assert ">4:30 PM<" not in html


def test_an_empty_week_links_to_the_next_available_day(client, clinic):
    Closure.objects.create(
        location=clinic["location"], date=datetime.date(2026, 12, 7), reason="Training"
    )
    html = client.get("/book/botox/").content.decode()  # Dec 1-7: Monday closed
    assert "No free times this week." in html
    assert "Next available: Monday, December 14" in html


def test_a_treatment_not_bookable_online_goes_to_the_request_form(client, clinic):
    TreatmentFactory(slug="peel", name="Peel")
    response = client.get("/book/peel/")
    assert response.status_code == 302
    assert response.url == "/book/request/?treatment=peel"


def test_the_whole_booking(
    client,
    clinic,
    run_worker,
    mailoutbox,
    settings,
):
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }
    response = hold(client)
    assert response.status_code == 302 and response.url == "/book/botox/details/"
    page = client.get(response.url).content.decode()
    assert "Monday, December 7 at 9:00 AM EST" in page

    response = client.post("/book/botox/details/", details())
    assert response.status_code == 302 and response.url == "/book/confirmed/"
    appointment = Appointment.objects.get()
    assert appointment.status == "booked" and appointment.phone == "+12175440123"

    confirmed = client.get("/book/confirmed/").content.decode()
    assert appointment.reference in confirmed
    assert "Monday, December 7, 2026 at 9:00 AM EST" in confirmed
    calendar = icalendar.Calendar.from_ical(
        client.get("/book/confirmed/calendar.ics").content
    )
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("dtstart") == MONDAY_NINE
    assert event.decoded("dtend") == MONDAY_NINE + datetime.timedelta(minutes=30)

    run_worker()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        ["maria@example.com", settings.CLINIC_INBOX_EMAIL]
    )
    for message in mailoutbox:
        assert "Maria" not in message.subject and "Botox" not in message.subject
    confirmation = next(m for m in mailoutbox if m.to == ["maria@example.com"])
    assert "9:00 AM (EST)" in confirmation.body
    assert confirmation.attachments[0][0] == "appointment.ics"


def test_a_second_click_on_book_shows_the_same_confirmation(client, clinic):
    hold(client)
    data = details()
    assert client.post("/book/botox/details/", data).url == "/book/confirmed/"
    again = client.post("/book/botox/details/", data)
    assert again.status_code == 302 and again.url == "/book/confirmed/"
    assert Appointment.objects.count() == 1


def test_a_time_taken_by_someone_else_shows_the_nearest_free_times(client, clinic):
    hold(client, provider=clinic["providers"][0].pk)
    other = Client()
    response = hold(other, provider=clinic["providers"][0].pk)
    assert response.status_code == 409
    html = response.content.decode()
    assert "That time was just taken" in html
    nearest = (MONDAY_NINE + datetime.timedelta(minutes=45)).isoformat()
    assert f'value="{nearest}"' in html
    # Any provider: the other one is free at 9:00, so it simply works.
    assert hold(Client()).status_code == 302


def test_any_provider_goes_to_the_one_with_fewer_bookings_that_day(client, clinic):
    first, second = clinic["providers"]
    hold(Client(), at=MONDAY_NINE + datetime.timedelta(hours=2), provider=first.pk)
    hold(client)
    assert Appointment.objects.get(starts_at=MONDAY_NINE).provider == second


def test_a_lapsed_hold_taken_meanwhile_keeps_what_the_patient_typed(client, clinic):
    provider = clinic["providers"][0]
    hold(client, provider=provider.pk)
    Provider.objects.exclude(pk=provider.pk).update(is_active=False)
    with time_machine.travel(NOW + HOLD_DURATION + datetime.timedelta(minutes=1)):
        assert hold(Client(), provider=provider.pk).status_code == 302
        response = client.post("/book/botox/details/", details(first_name="Zoë"))
        assert response.status_code == 409
        html = response.content.decode()
        assert "that time was just taken" in html
        assert 'value="Zoë"' in html
        alternative = re.search(r'name="alternative" value="([^"]+)"', html).group(1)
        switched = client.post(
            "/book/botox/details/", details(first_name="Zoë", alternative=alternative)
        )
        assert switched.status_code == 200
        assert 'value="Zoë"' in switched.content.decode()
        done = client.post("/book/botox/details/", details(first_name="Zoë"))
    assert done.status_code == 302
    mine = Appointment.objects.get(first_name="Zoë")
    assert mine.starts_at.isoformat() == alternative


def test_details_are_checked_and_kept(client, clinic):
    hold(client)
    response = client.post("/book/botox/details/", details(phone="call me", email=""))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html and 'value="García"' in html
    assert Appointment.objects.get().status == "held"


def test_the_details_page_needs_a_held_time(client, clinic):
    response = client.get("/book/botox/details/")
    assert response.status_code == 302 and response.url == "/book/botox/"
    assert client.get("/book/confirmed/").status_code == 404
    assert client.get("/book/confirmed/calendar.ics").status_code == 404


def test_a_bot_filling_the_honeypot_books_nothing(client, clinic):
    hold(client)
    client.post("/book/botox/details/", details(leave_blank="spam"))
    assert Appointment.objects.get().status == "held"


def test_one_client_cannot_hold_every_free_time(client, clinic, settings):
    settings.BOOKING_HOLD_LIMIT = 3
    for n in range(3):
        at = MONDAY_NINE + datetime.timedelta(minutes=45 * n)
        assert hold(client, at=at).status_code == 302
    assert hold(client, at=MONDAY_NINE + datetime.timedelta(hours=4)).status_code == (
        429
    )


def test_the_week_page_takes_a_bounded_number_of_queries(
    client, clinic, django_assert_max_num_queries
):
    for n in range(12):
        hold(Client(), at=MONDAY_NINE + datetime.timedelta(minutes=45 * n))
    # session, treatment, location, providers (choice list): plus the five of
    # scheduling.available_slots.
    with django_assert_max_num_queries(9):
        client.get("/book/botox/")


@pytest.mark.django_db(transaction=True)
def test_fifty_patients_choosing_the_same_time_get_one_hold_and_friendly_pages(
    clinic, settings
):
    """Real concurrent requests, each with its own connection: exactly one
    hold; the others a "just taken" page with alternatives; never a 5xx."""
    settings.BOOKING_HOLD_LIMIT = 1000  # every test client shares one address
    for provider in clinic["providers"][1:]:
        provider.is_active = False
        provider.save()
    barrier = threading.Barrier(50)

    def choose(_):
        client = Client()
        try:
            barrier.wait(timeout=30)
            response = hold(client)
            return response.status_code, "That time was just taken" in (
                response.content.decode()
            )
        finally:
            connection.close()

    with time_machine.travel(NOW, tick=True):
        with ThreadPoolExecutor(max_workers=50) as pool:
            results = list(pool.map(choose, range(50)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [302] + [409] * 49
    assert all(friendly for status, friendly in results if status == 409)
    assert Appointment.objects.count() == 1


def test_the_article_that_brought_the_patient_is_kept_on_the_appointment(
    client, clinic, admin_client
):
    from tests.blog.factories import ArticleFactory

    # Published before the real clock too: visibility is the database's Now().
    article = ArticleFactory(
        slug="botox-basics",
        treatment=clinic["treatment"],
        published_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
    )
    page = client.get("/book/botox/", {"article": "botox-basics"}).content.decode()
    assert 'name="article" value="botox-basics"' in page
    assert "/book/request/?treatment=botox&amp;article=botox-basics" in page
    hold(client, article="botox-basics")
    client.post("/book/botox/details/", details())
    assert Appointment.objects.get().source_article == article
    listing = admin_client.get(
        "/admin/booking/appointment/", {"source_article__id__exact": article.pk}
    )
    assert Appointment.objects.get().reference in listing.content.decode()


def test_a_week_far_away_or_nonsense_shows_the_last_bookable_week(client, clinic):
    for week in ("9999-12-31", "2026-13-45", "x" * 50):
        assert client.get("/book/botox/", {"week": week}).status_code == 200


def test_choosing_another_time_releases_the_first_hold(client, clinic):
    hold(client)
    hold(client, at=MONDAY_NINE + datetime.timedelta(hours=2))
    assert Appointment.objects.get().starts_at == MONDAY_NINE + datetime.timedelta(
        hours=2
    )


def test_any_provider_tries_every_free_room_before_saying_taken(client, clinic):
    from booking.models import Room, RoomKind
    from booking.scheduling import appointment_hold

    kind = RoomKind.objects.create(name="Treatment room")
    rooms = [
        Room.objects.create(location=clinic["location"], name=f"Room {n}", kind=kind)
        for n in (1, 2)
    ]
    treatment = clinic["treatment"]
    treatment.room_kind = kind
    treatment.save()
    first, second = clinic["providers"]
    # Someone takes the first provider and the first room meanwhile.
    appointment_hold(
        location=clinic["location"],
        treatment=treatment,
        provider=first,
        room=rooms[0],
        starts_at=MONDAY_NINE,
    )
    assert hold(client).status_code == 302
    mine = Appointment.objects.exclude(provider=first).get()
    assert (mine.provider, mine.room) == (second, rooms[1])


# --- the times page cache ----------------------------------------------------------


def test_a_cached_times_page_costs_one_query_and_carries_the_visitors_token(
    clinic, django_assert_num_queries, monkeypatch
):
    from django.test import Client as BrowserClient

    # The request form may keep its version a moment; the times page never.
    monkeypatch.setattr(cached, "VERSION_SECONDS", 60)
    Client().get("/book/botox/")  # fills the cache
    visitor = BrowserClient(enforce_csrf_checks=True)
    with django_assert_num_queries(1):  # has the calendar changed?
        page = visitor.get("/book/botox/")
    html = page.content.decode()
    assert "no-store" in page.headers["Cache-Control"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert "\x00" not in html
    # The token works for this visitor: the hold goes through CSRF checks.
    response = visitor.post(
        "/book/botox/", {"start": MONDAY_NINE.isoformat(), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_a_booked_time_disappears_from_the_cached_page_at_once(client, clinic):
    nine = f'value="{MONDAY_NINE.isoformat()}"'
    Provider.objects.exclude(pk=clinic["providers"][0].pk).update(is_active=False)
    assert nine in Client().get("/book/botox/").content.decode()
    hold(Client())  # someone takes 09:00
    assert nine not in Client().get("/book/botox/").content.decode()


def test_the_cached_page_follows_the_clock(clinic):
    """Minimum notice moves with time: a page cached a minute ago is not reused."""
    Provider.objects.exclude(pk=clinic["providers"][0].pk).update(is_active=False)
    clinic["treatment"].minimum_notice_minutes = 0
    clinic["treatment"].save()
    nine = f'value="{MONDAY_NINE.isoformat()}"'
    assert nine in Client().get("/book/botox/").content.decode()
    with time_machine.travel(MONDAY_NINE + datetime.timedelta(minutes=1), tick=False):
        assert nine not in Client().get("/book/botox/").content.decode()


def test_any_change_that_takes_or_frees_a_time_shows_on_the_cached_page(client, clinic):
    """The calendar version is raised by database triggers: a provider's time
    off, or the provider booked at another location, is seen at once."""
    from booking.models import TimeOff

    nine = f'value="{MONDAY_NINE.isoformat()}"'
    ana = clinic["providers"][0]
    Provider.objects.exclude(pk=ana.pk).update(is_active=False)
    assert nine in Client().get("/book/botox/").content.decode()
    TimeOff.objects.create(
        provider=ana,
        starts_at=MONDAY_NINE,
        ends_at=MONDAY_NINE + datetime.timedelta(hours=1),
    )
    assert nine not in Client().get("/book/botox/").content.decode()
    TimeOff.objects.all().delete()
    assert nine in Client().get("/book/botox/").content.decode()

    elsewhere = Location.objects.create(
        name="Uptown",
        street="2 Hill St",
        city="Springfield",
        postal_code="62701",
        time_zone="America/New_York",
    )
    from booking.scheduling import appointment_hold

    appointment_hold(
        location=elsewhere,
        treatment=clinic["treatment"],
        provider=ana,
        room=None,
        starts_at=MONDAY_NINE,
    )
    assert nine not in Client().get("/book/botox/").content.decode()


def test_email_stamps_do_not_change_the_calendar_version(clinic):
    from booking.scheduling import appointment_hold, calendar_version

    held = appointment_hold(
        location=clinic["location"],
        treatment=clinic["treatment"],
        provider=clinic["providers"][0],
        room=None,
        starts_at=MONDAY_NINE,
    )
    before = calendar_version()
    Appointment.objects.filter(pk=held.pk).update(confirmation_email_sent_at=NOW)
    assert calendar_version() == before
    Appointment.objects.filter(pk=held.pk).delete()
    assert calendar_version() > before


@pytest.mark.parametrize(
    "start",
    [
        "9999-12-31T12:00:00+00:00",
        "0001-01-01T00:30:00+00:00",
        "9999-12-31T23:00:00-12:00",
        "not a time",
        "2026-12-07T14:00:00",  # no zone
    ],
)
def test_a_nonsense_time_is_answered_with_the_free_times(client, clinic, start):
    response = client.post("/book/botox/", {"start": start})
    assert response.status_code == 409
    assert "That time was just taken" in response.content.decode()


@pytest.mark.parametrize("provider", ["²", "x", "99999999999999999999", ""])
def test_an_odd_provider_parameter_shows_every_provider(client, clinic, provider):
    assert client.get("/book/botox/", {"provider": provider}).status_code == 200
