"""The footer and the clinic's JSON-LD read the first active location (issue 9),
kept per process for a second; without a location they read settings.CLINIC."""

import datetime
import importlib
import json
import re

import pytest
import time_machine
from django.apps import apps
from django.core.cache import caches
from django.db import connection

from booking import clinic
from booking.models import Location, OpeningHours
from medspa.context_processors import CACHE_ALIAS

pytestmark = pytest.mark.django_db

SEARCH_FORM = "/articles/search/"  # a cached page with no query of its own


@pytest.fixture(autouse=True)
def no_locations():
    # The test database may hold the one migration 0008 made (unless a
    # transactional test flushed it); each test here starts from none.
    Location.objects.all().delete()


def make_location(name="Downtown", hours=None, **fields) -> Location:
    values = {
        "street": "9 Elm Road",
        "city": "Shelbyville",
        "region": "IL",
        "postal_code": "62565",
        "country": "US",
        "time_zone": "America/Chicago",
    }
    location = Location.objects.create(name=name, **values | fields)
    for weekday, opens, closes in hours or [(0, "09:00", "12:00")]:
        OpeningHours.objects.create(
            location=location,
            weekday=weekday,
            opens=datetime.time.fromisoformat(opens),
            closes=datetime.time.fromisoformat(closes),
        )
    return location


def footer(html: str) -> str:
    return html[html.index("<footer") :]


def clinic_jsonld(html: str) -> dict:
    for block in re.findall(
        r'<script type="application/ld\+json">(.*?)</script>', html, re.S
    ):
        data = json.loads(block)
        if data.get("@type") == "MedicalBusiness":
            return data
    raise AssertionError("no MedicalBusiness JSON-LD")


def test_footer_shows_the_location_address_and_several_intervals_a_day(
    client, settings
):
    make_location(
        hours=[(0, "13:00", "18:00"), (0, "09:00", "12:00"), (2, "10:00", "16:00")]
    )
    html = footer(client.get(SEARCH_FORM).text)
    assert "Downtown<br>" in html and "9 Elm Road<br>" in html
    assert "Shelbyville, IL 62565" in html
    assert "<dt>Monday</dt><dd>09:00–12:00, 13:00–18:00</dd>" in html
    assert "<dt>Tuesday</dt><dd>Closed</dd>" in html
    assert "<dt>Wednesday</dt><dd>10:00–16:00</dd>" in html
    # Without a phone of its own, the clinic's contact from settings.
    assert f'href="tel:{settings.CLINIC["phone"]}"' in html
    assert f'href="sms:{settings.CLINIC["sms"]}"' in html


def test_a_location_phone_replaces_the_clinic_phone_but_not_text_or_email(
    client, settings
):
    make_location(phone="+12175440142")
    html = client.get(SEARCH_FORM).text
    assert 'href="tel:+12175440142">(217) 544-0142</a>' in footer(html)
    assert f'href="sms:{settings.CLINIC["sms"]}"' in footer(html)
    data = clinic_jsonld(html)
    assert data["telephone"] == "+12175440142"
    assert data["email"] == settings.CLINIC["email"]


def test_jsonld_describes_the_location_with_english_day_names(client, settings):
    make_location(hours=[(0, "09:00", "12:00"), (0, "13:00", "18:00")])
    data = clinic_jsonld(client.get(SEARCH_FORM).text)
    assert data["name"] == settings.CLINIC["name"]
    assert data["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "9 Elm Road",
        "addressLocality": "Shelbyville",
        "addressRegion": "IL",
        "postalCode": "62565",
        "addressCountry": "US",
    }
    assert [
        (spec["dayOfWeek"], spec["opens"], spec["closes"])
        for spec in data["openingHoursSpecification"]
    ] == [("Monday", "09:00", "12:00"), ("Monday", "13:00", "18:00")]


def test_the_first_active_location_is_shown(client):
    make_location(name="Closed branch", is_active=False)
    make_location(name="Riverside")
    make_location(name="Airport")
    html = footer(client.get(SEARCH_FORM).text)
    assert "Riverside<br>" in html
    assert "Closed branch" not in html and "Airport" not in html


def test_without_a_location_the_settings_are_shown(client, settings):
    html = client.get(SEARCH_FORM).text
    clinic = settings.CLINIC
    assert f"{clinic['name']}<br>" in footer(html)
    assert f"{clinic['street']}<br>" in footer(html)
    opens, closes = clinic["hours"][0]
    assert f"<dt>Monday</dt><dd>{opens}–{closes}</dd>" in footer(html)
    data = clinic_jsonld(html)
    assert data["address"]["streetAddress"] == clinic["street"]
    assert len(data["openingHoursSpecification"]) == len(clinic["hours"])


def test_the_location_made_from_settings_renders_like_the_settings(client):
    from_settings = client.get(SEARCH_FORM).text
    importlib.import_module(
        "booking.migrations.0008_first_location_from_settings"
    ).create_first_location(apps, connection.schema_editor())
    caches[CACHE_ALIAS].clear()
    assert client.get(SEARCH_FORM).text == from_settings


def test_cold_render_costs_one_query_then_none_for_a_second(
    client, django_assert_num_queries
):
    make_location()
    # The page cache's site version, then the location with its hours.
    with django_assert_num_queries(2):
        client.get(SEARCH_FORM)
    with django_assert_num_queries(1):  # the site version: the rest is cached
        client.get(SEARCH_FORM)


def test_a_manager_edit_shows_after_the_one_second_cache(client):
    location = make_location(name="Before")
    with time_machine.travel(datetime.datetime.now(datetime.UTC), tick=False) as clock:
        assert "Before<br>" in client.get(SEARCH_FORM).text
        location.name = "After"
        location.save()
        assert "Before<br>" in client.get(SEARCH_FORM).text  # within the second
        clock.shift(datetime.timedelta(seconds=1.5))
        # Not the page cached within the second, with the details of before.
        assert "After<br>" in client.get(SEARCH_FORM).text


def test_migration_0008_copies_settings_once(settings):
    migration = importlib.import_module(
        "booking.migrations.0008_first_location_from_settings"
    )
    migration.create_first_location(apps, connection.schema_editor())
    migration.create_first_location(apps, connection.schema_editor())
    location = Location.objects.get()
    clinic = settings.CLINIC
    assert (location.name, location.street, location.city) == (
        clinic["name"],
        clinic["street"],
        clinic["city"],
    )
    assert (location.region, location.postal_code, location.country) == (
        clinic["region"],
        clinic["postal_code"],
        clinic["country"],
    )
    assert location.time_zone == settings.TIME_ZONE
    assert [
        (hours.weekday, f"{hours.opens:%H:%M}", f"{hours.closes:%H:%M}")
        for hours in location.opening_hours.all()
    ] == [(day, *interval) for day, interval in sorted(clinic["hours"].items())]
    # The demo number is not a real one, so it stays in settings only and the
    # location can be saved in the admin as it is.
    location.full_clean()


def test_migration_0008_keeps_a_valid_clinic_phone(settings):
    settings.CLINIC = {**settings.CLINIC, "phone": "+12175440142"}
    importlib.import_module(
        "booking.migrations.0008_first_location_from_settings"
    ).create_first_location(apps, connection.schema_editor())
    assert Location.objects.get().phone == "+12175440142"


def test_a_page_rendered_with_details_about_to_reload_is_not_served_after(client):
    """The page cache keys pages by the footer's details too: one rendered in
    the second before they reloaded is not served once they have."""
    location = make_location(name="Before")
    client.get(SEARCH_FORM)
    location.name = "After"
    location.save()  # a new site version; the details are cached for a second
    assert "Before<br>" in client.get(SEARCH_FORM).text  # cached under it
    caches[CACHE_ALIAS].delete(clinic.CACHE_KEY)  # the second has passed
    assert "After<br>" in client.get(SEARCH_FORM).text
