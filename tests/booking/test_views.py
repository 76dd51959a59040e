import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from booking.forms import FORM_TOKEN_SALT, read_form_token
from booking.models import AppointmentRequest, AuditEntry
from booking.tasks import send_request_emails
from booking.views import cached
from tests.booking.factories import (
    AppointmentRequestFactory,
    TreatmentFactory,
    form_data,
    next_open_day,
    queued,
    signed_form_token,
)

pytestmark = pytest.mark.django_db
BOOK = "/book/request/"


def post(client, **overrides):
    return client.post(BOOK, form_data(**overrides))


def confirmed_reference(client) -> str:
    """The reference the confirmation page shows this browser."""
    html = client.get(reverse("booking:request-done")).content.decode()
    return re.search(r"MS-[A-Z0-9]+", html)[0]


def errors(response) -> dict:
    return response.context["form"].errors


def test_form_renders_with_fast_fill_attributes(client, treatment):
    response = client.get(BOOK, {"treatment": "botox", "article": "botox-vs-dysport"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Request an appointment</h1>" in html
    assert 'autocomplete="given-name"' in html
    assert 'autocomplete="family-name"' in html
    assert 'type="email"' in html and 'autocomplete="email"' in html
    assert 'type="tel"' in html and 'inputmode="tel"' in html
    assert 'type="date"' in html
    assert '<option value="botox" selected>' in html
    assert "Not sure yet — consultation" in html
    assert 'name="source_article" value="botox-vs-dysport"' in html
    assert 'name="form_token"' in html
    assert 'class="hp" aria-hidden="true"' in html
    assert "no-store" in response.headers["Cache-Control"]


def test_valid_request_is_stored_and_redirects_to_confirmation(client, treatment):
    response = post(client, treatment=treatment)
    assert response.status_code == 302
    assert response.url == reverse("booking:request-done")
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.phone == "+12175440123"
    assert appointment_request.treatment == treatment
    assert appointment_request.status == AppointmentRequest.Status.NEW
    assert appointment_request.reference.startswith("MS-")
    assert queued(send_request_emails) == [{"request_id": appointment_request.pk}]
    assert AuditEntry.objects.filter(action="created").count() == 1
    # No patient data in the redirect URL.
    assert "Maria" not in response.url and "555" not in response.url

    page = client.get(response.url)
    assert page.status_code == 200
    assert appointment_request.reference in page.content.decode()
    assert "no-store" in page.headers["Cache-Control"]


def test_consultation_request_needs_no_treatment(client):
    response = post(client, treatment=None)
    assert response.status_code == 302
    assert AppointmentRequest.objects.get().treatment is None


def test_confirmation_page_is_404_without_its_cookie(client, treatment):
    AppointmentRequestFactory(reference="MS-ABCDE")
    assert client.get(reverse("booking:request-done")).status_code == 404


def test_confirmation_is_only_for_the_browser_that_submitted(client, treatment):
    post(client, treatment=treatment)
    assert client.get(reverse("booking:request-done")).status_code == 200
    stranger = Client()
    assert stranger.get(reverse("booking:request-done")).status_code == 404
    # Nor for a forged or an old cookie.
    stranger.cookies["booking_done"] = str(AppointmentRequest.objects.get().pk)
    assert stranger.get(reverse("booking:request-done")).status_code == 404
    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert client.get(reverse("booking:request-done")).status_code == 404


def test_a_request_costs_no_session(client, treatment):
    post(client, treatment=treatment)
    assert settings.SESSION_COOKIE_NAME not in client.cookies


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("first_name", "", "required"),
        ("last_name", "", "required"),
        ("email", "", "required"),
        ("email", "not-an-email", "invalid"),
        ("email", "a@b.c\r\nBcc: victim@example.com", "invalid"),
        ("phone", "", "required"),
        ("phone", "12", "invalid_phone"),
        ("phone", "call me maybe", "invalid_phone"),
        ("phone", "+1 217 544 012345678", "invalid_phone"),
        ("preferred_date", "", "required"),
        ("preferred_date", "31/02/2026", "invalid"),
        ("preferred_date", "2026-02-30", "invalid"),
        ("preferred_time", "midnight", "invalid_choice"),
        ("patient_type", "", "required"),
        ("contact_method", "pigeon", "invalid_choice"),
        ("treatment", "no-such-treatment", "invalid_choice"),
        ("consent", "", "required"),
        ("first_name", "x" * 20_000, "max_length"),
        ("last_name", "x" * 101, "max_length"),
        ("email", "a" * 250 + "@example.com", "max_length"),
        ("message", "x" * 20_000, "max_length"),
        ("first_name", "Ada\x00", "null_characters_not_allowed"),
        ("message", "hello\x00world", "null_characters_not_allowed"),
    ],
)
def test_each_rule_gives_a_clear_error_and_keeps_the_input(client, field, value, code):
    response = post(client, **{field: value})
    assert response.status_code == 200
    form = response.context["form"]
    assert code in [error.code for error in form.errors.as_data()[field]]
    assert not AppointmentRequest.objects.exists()
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert f'href="#id_{field}' in html
    if field != "last_name":
        assert 'value="García"' in html  # what the patient typed is kept


def test_past_date_is_refused(client):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = post(client, preferred_date=yesterday.isoformat())
    assert errors(response)["preferred_date"] == ["Choose today or a later date."]


def test_date_beyond_six_months_is_refused(client):
    too_far = timezone.localdate() + datetime.timedelta(days=200)
    response = post(client, preferred_date=too_far.isoformat())
    last = timezone.localdate() + datetime.timedelta(days=183)
    assert errors(response)["preferred_date"] == [
        f"We take requests up to {last:%B} {last.day}, {last.year}; "
        "choose an earlier date."
    ]


def test_closed_day_is_refused(client):
    sunday = next_open_day() + datetime.timedelta(days=5)
    assert sunday.weekday() == 6
    response = post(client, preferred_date=sunday.isoformat())
    assert errors(response)["preferred_date"] == [
        "The clinic is closed on Sunday; choose another day."
    ]


def test_holiday_closure_is_refused(client, settings):
    holiday = next_open_day()
    settings.BOOKING_CLOSED_DATES = [holiday.isoformat()]
    response = post(client, preferred_date=holiday.isoformat())
    assert errors(response)["preferred_date"] == [
        f"The clinic is closed on {holiday:%B} {holiday.day}; choose another day."
    ]


def test_evening_on_saturday_is_refused(client):
    saturday = next_open_day() + datetime.timedelta(days=4)
    response = post(
        client, preferred_date=saturday.isoformat(), preferred_time="evening"
    )
    assert "open 09:00–14:00" in errors(response)["preferred_time"][0]


def test_phone_numbers_are_normalized_to_e164(client):
    post(client, phone="+44 20 7946 0958")
    assert AppointmentRequest.objects.get().phone == "+442079460958"


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "Robert'); DROP TABLE booking_appointmentrequest;--",
        "' OR 1=1--",
        '=HYPERLINK("http://evil.example")',
        "Zoë 😀 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        "מרים כהן",
        "مريم",
        "e\u0301\u0301 combining",
    ],
)
def test_hostile_text_is_stored_exactly_and_rendered_escaped(
    client, admin_client, hostile
):
    response = post(client, first_name=hostile, last_name=hostile, message=hostile)
    assert response.status_code == 302
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.first_name == hostile
    assert appointment_request.message == hostile

    admin_page = admin_client.get(
        reverse(
            "admin:booking_appointmentrequest_change", args=[appointment_request.pk]
        )
    )
    listing = admin_client.get(reverse("admin:booking_appointmentrequest_changelist"))
    for page in (admin_page, listing):
        html = page.content.decode()
        assert page.status_code == 200
        assert "<script>alert(1)</script>" not in html
        assert "<img src=x" not in html


def test_hostile_text_in_an_invalid_form_is_echoed_escaped(client):
    response = post(client, first_name="<script>alert(1)</script>", email="bad")
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_extra_fields_are_ignored(client):
    post(client, status="scheduled", staff_notes="hacked", reference="MS-AAAAA")
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.status == AppointmentRequest.Status.NEW
    assert appointment_request.staff_notes == ""
    assert appointment_request.reference != "MS-AAAAA"


def test_same_token_twice_creates_one_request_and_same_confirmation(client):
    data = form_data()
    first = client.post(BOOK, data)
    second = client.post(BOOK, data)
    assert first.status_code == second.status_code == 302
    assert AppointmentRequest.objects.count() == 1
    assert confirmed_reference(client) == AppointmentRequest.objects.get().reference


def test_back_and_resubmit_with_new_token_creates_one_request(client):
    post(client)
    post(client)  # a fresh form render has a fresh token, same details
    assert AppointmentRequest.objects.count() == 1


def test_a_different_request_with_the_same_contact_details_is_kept(client):
    post(client)
    post(client, first_name="Second", message="For my sister")
    assert AppointmentRequest.objects.count() == 2


def test_honeypot_gets_a_polite_refusal_and_stores_nothing(client):
    response = post(client, leave_blank="http://spam.example")
    assert response.status_code == 200
    assert "could not take this request online" in response.content.decode()
    assert not AppointmentRequest.objects.exists()
    assert queued(send_request_emails) == []


def test_too_fast_submit_is_asked_to_confirm_and_a_human_gets_through(client):
    data = form_data(form_token=signed_form_token(seconds_ago=1))
    response = client.post(BOOK, data)
    assert response.status_code == 200
    assert "press “Send request” again" in response.content.decode()
    assert not AppointmentRequest.objects.exists()
    # The human presses Send again a few seconds later, with the refreshed form.
    data["form_token"] = response.context["form"].data["form_token"]
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=10)):
        assert client.post(BOOK, data).status_code == 302
    assert AppointmentRequest.objects.count() == 1


def _token_signed_elsewhere() -> str:
    payload = {"t": "0" * 32, "s": timezone.now().timestamp() - 60}
    return signing.dumps(payload, key="not-our-key", salt=FORM_TOKEN_SALT)


@pytest.mark.parametrize(
    "form_token",
    [
        pytest.param("", id="missing"),
        pytest.param("not-a-token", id="garbage"),
        pytest.param("x" * 500, id="oversized"),
        pytest.param("00000000-0000-0000-0000-000000000000", id="bare-uuid"),
        pytest.param(_token_signed_elsewhere, id="not-issued-by-us"),
        pytest.param(lambda: signed_form_token(seconds_ago=7201), id="expired"),
    ],
)
def test_a_form_token_we_did_not_issue_or_that_expired_gets_a_fresh_form(
    client, form_token
):
    if callable(form_token):
        form_token = form_token()
    response = post(client, form_token=form_token)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {
        "__all__": ["Please check your details, then press “Send request” again."]
    }
    assert read_form_token(form.data["form_token"]) is not None
    assert 'value="García"' in response.content.decode()  # nothing typed is lost
    assert not AppointmentRequest.objects.exists()


def test_one_render_stamp_cannot_be_reused_for_many_requests(client):
    """A bot that waited once cannot post many requests from that one form:
    the stamp is signed with its token, so each post is a replay of the first."""
    data = form_data()
    assert client.post(BOOK, data).status_code == 302
    for n in range(3):
        response = client.post(BOOK, data | {"email": f"bot{n}@example.com"})
        assert response.status_code == 200
        # The token it hands back is fresh: posting it at once is too fast.
        again = data | {
            "email": f"bot{n}@example.com",
            "form_token": response.context["form"].data["form_token"],
        }
        assert client.post(BOOK, again).status_code == 200
    assert AppointmentRequest.objects.count() == 1


def test_resubmitting_a_form_with_corrected_details_is_not_silently_ignored(client):
    data = form_data(email="typo@exmaple.com")
    assert client.post(BOOK, data).status_code == 302
    first = AppointmentRequest.objects.get()

    # Back, fix the email, send the same form again.
    corrected = data | {"email": "maria@example.com"}
    response = client.post(BOOK, corrected)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"You already sent this form as request {first.reference}" in html
    assert 'value="maria@example.com"' in html  # the correction is still there
    first.refresh_from_db()
    assert first.email == "typo@exmaple.com"
    assert AppointmentRequest.objects.count() == 1

    # Pressing Send again after reading the message stores the corrected request.
    corrected["form_token"] = response.context["form"].data["form_token"]
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=10)):
        assert client.post(BOOK, corrected).status_code == 302
    second = AppointmentRequest.objects.exclude(pk=first.pk).get()
    assert second.email == "maria@example.com"
    assert confirmed_reference(client) == second.reference


def test_rate_limit_refuses_the_sixth_request_from_one_ip(client, settings):
    settings.BOOKING_RATE_LIMIT = 5
    for n in range(5):
        assert post(client, email=f"p{n}@example.com").status_code == 302
    response = post(client, email="p6@example.com")
    assert response.status_code == 429
    assert AppointmentRequest.objects.count() == 5
    # Another client is unaffected, and the window passes.
    other = client.post(
        BOOK, form_data(email="other@example.com"), REMOTE_ADDR="203.0.113.9"
    )
    assert other.status_code == 302
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        assert post(client, email="later@example.com").status_code == 302


def test_rate_limit_uses_forwarded_address_only_behind_trusted_proxy(client, settings):
    settings.BOOKING_RATE_LIMIT = 1
    headers = {"HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert (
        client.post(BOOK, form_data(email="a@example.com"), **headers).status_code
        == 302
    )
    assert (
        client.post(BOOK, form_data(email="b@example.com"), **headers).status_code
        == 429
    )
    headers = {"HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert (
        client.post(BOOK, form_data(email="c@example.com"), **headers).status_code
        == 302
    )


def test_csrf_is_enforced(treatment):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    response = csrf_client.post(BOOK, form_data())
    assert response.status_code == 403
    assert not AppointmentRequest.objects.exists()


def test_oversized_article_and_source_are_ignored(client):
    response = post(client, source_article="a" * 20_000, source_path="/" * 20_000)
    assert response.status_code == 302
    appointment_request = AppointmentRequest.objects.get()
    assert appointment_request.source_path == ""


def test_article_slug_is_validated_and_unknown_is_ignored(client):
    from blog.models import Article

    article = Article.objects.create(
        title="Botox or Dysport?",
        slug="botox-vs-dysport",
        author_name="Staff",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - datetime.timedelta(days=1),
    )
    post(client, source_article="botox-vs-dysport", email="one@example.com")
    post(client, source_article="no-such-article", email="two@example.com")
    assert AppointmentRequest.objects.get(email="one@example.com").source_article == (
        article
    )
    assert (
        AppointmentRequest.objects.get(email="two@example.com").source_article is None
    )


def test_source_page_comes_from_same_origin_referer_without_query(client, treatment):
    response = client.get(
        BOOK, HTTP_REFERER="http://testserver/treatments/botox/?email=x@example.com"
    )
    assert 'name="source_path" value="/treatments/botox/"' in response.content.decode()
    foreign = client.get(BOOK, HTTP_REFERER="https://evil.example/page/")
    assert 'name="source_path" value="/' not in foreign.content.decode()
    post(client, source_path="/treatments/botox/?name=Maria")
    assert AppointmentRequest.objects.get().source_path == "/treatments/botox/"


def test_source_path_rejects_non_paths(client):
    post(client, source_path="javascript:alert(1)")
    assert AppointmentRequest.objects.get().source_path == ""


def test_only_active_treatments_are_offered(client):
    TreatmentFactory(slug="retired", name="Retired", is_active=False)
    response = client.post(BOOK, {**form_data(), "treatment": "retired"})
    assert "treatment" in errors(response)


def test_booking_form_query_count_does_not_grow(client, django_assert_max_num_queries):
    for n in range(20):
        TreatmentFactory(slug=f"t-{n}", name=f"T {n}")
    with django_assert_max_num_queries(4):
        client.get(BOOK)


def rendered(response, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', response.content.decode())[1]


def test_new_form_token_each_render_cached_or_not(client, django_assert_num_queries):
    first = rendered(client.get(BOOK), "form_token")
    with django_assert_num_queries(1):  # the calendar version: a cached page
        second = rendered(client.get(BOOK), "form_token")
    assert read_form_token(first).token != read_form_token(second).token


def test_the_form_may_keep_its_version_a_moment(
    client, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(cached, "VERSION_SECONDS", 60)
    client.get(BOOK)
    with django_assert_num_queries(0):
        client.get(BOOK)


def test_a_cached_form_posts_like_a_fresh_one(treatment, settings):
    settings.BOOKING_MIN_FILL_SECONDS = 3
    browser = Client(enforce_csrf_checks=True)
    browser.get(BOOK)  # stored
    with time_machine.travel(timezone.now()):
        page = browser.get(BOOK)  # served from the cache
    assert "csrftoken" in browser.cookies
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5)):
        response = browser.post(
            BOOK,
            form_data(
                treatment,
                form_token=rendered(page, "form_token"),
                csrfmiddlewaretoken=rendered(page, "csrfmiddlewaretoken"),
            ),
        )
    assert response.status_code == 302
    assert AppointmentRequest.objects.count() == 1


def test_a_renamed_treatment_shows_at_once_on_the_cached_form(client, treatment):
    assert treatment.name in client.get(BOOK).content.decode()
    treatment.name = "Wrinkle relaxer"
    treatment.save()
    assert "Wrinkle relaxer" in client.get(BOOK).content.decode()


def test_oversized_body_gets_400_not_500(client):
    client.raise_request_exception = False
    response = post(client, message="x" * 300_000)
    assert response.status_code == 400
    assert not AppointmentRequest.objects.exists()


def test_too_many_fields_gets_400(client):
    client.raise_request_exception = False
    data = form_data() | {f"extra{n}": "1" for n in range(1001)}
    assert client.post(BOOK, data).status_code == 400


def test_no_patient_data_in_logs(client, caplog, settings):
    import logging

    caplog.set_level(logging.INFO)
    settings.BOOKING_RATE_LIMIT = 1
    canary = {"first_name": "Quillon", "email": "quillon.canary@example.com"}
    post(client, **canary)
    post(client, **canary, phone="bad")
    post(client, **canary | {"email": "other.canary@example.com"})  # 429
    post(client, **canary, leave_blank="spam")
    client.get("/book/done/")
    for value in ("Quillon", "canary@example.com", "2175440123"):
        assert value not in caplog.text


def test_formatted_international_phone_longer_than_e164_is_accepted(client):
    assert post(client, phone="+44 (0) 20 - 7946 - 0958").status_code == 302
    assert AppointmentRequest.objects.get().phone == "+442079460958"


def test_the_request_form_follows_the_locations_hours_and_closures(client):
    from django.core.cache import caches

    from booking.clinic import CACHE_ALIAS
    from booking.models import Closure, Location, OpeningHours

    Location.objects.all().delete()
    location = Location.objects.create(
        name="Main",
        street="1 Main St",
        city="Springfield",
        postal_code="62701",
        time_zone="America/New_York",
    )
    tuesday = next_open_day()
    wednesday = tuesday + datetime.timedelta(days=1)
    # Tuesdays only in the morning, with a lunch break; Wednesday a closure.
    for opens, closes in (("09:00", "10:00"), ("10:30", "12:00")):
        OpeningHours.objects.create(
            location=location, weekday=1, opens=opens, closes=closes
        )
    OpeningHours.objects.create(
        location=location, weekday=2, opens="09:00", closes="17:00"
    )
    Closure.objects.create(location=location, date=wednesday, reason="Training")
    caches[CACHE_ALIAS].clear()

    afternoon = post(
        client, preferred_date=tuesday.isoformat(), preferred_time="afternoon"
    )
    assert "open 09:00–12:00" in errors(afternoon)["preferred_time"][0]
    closed = post(client, preferred_date=wednesday.isoformat())
    assert errors(closed)["preferred_date"] == [
        f"The clinic is closed on {wednesday:%B} {wednesday.day}; choose another day."
    ]
    thursday = post(
        client, preferred_date=(tuesday + datetime.timedelta(2)).isoformat()
    )
    assert "closed on Thursday" in errors(thursday)["preferred_date"][0]
    assert post(client, preferred_date=tuesday.isoformat()).status_code == 302
