"""Fill the bench database with a scaled data set, fast (bulk_create and COPY).

Only for the throwaway bench database that bench/run.py creates; never run it
against development data. Sizes come from the environment (BENCH_ARTICLES,
BENCH_TREATMENTS, BENCH_REQUESTS, BENCH_APPOINTMENTS) so tests can make small
and large sets.

The calendar: one location (America/New_York, open Mon-Sat 09:00-18:00), three
rooms, six providers working those hours, three treatments bookable online (one
needing a treatment room), and BENCH_APPOINTMENTS appointments over the past year
and the next four weeks. Appointments sit on a 45-minute grid per provider (every
treatment blocks at most 45 minutes, buffer included) and a room is given only
while one of its kind is free at that grid time, so the exclusion constraints,
which check every row, accept them all.
"""

import datetime
import os
import random
import uuid
from datetime import timedelta

from _django import setup

setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from blog import richtext  # noqa: E402
from blog.demo import articles as demo  # noqa: E402
from blog.demo.images import hero_jpeg  # noqa: E402
from blog.demo.state import placeholder_reviewer  # noqa: E402
from blog.models import Article, Category  # noqa: E402
from blog.reviews import article_mark_reviewed  # noqa: E402
from booking.models import (  # noqa: E402
    Appointment,
    AppointmentRequest,
    Location,
    OpeningHours,
    Provider,
    ProviderSchedule,
    Room,
    RoomKind,
    Treatment,
    new_manage_token,
)

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "2000"))
TREATMENTS = int(os.environ.get("BENCH_TREATMENTS", "50"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200000"))
APPOINTMENTS = int(os.environ.get("BENCH_APPOINTMENTS", "20000"))
PROVIDERS = 6
HISTORY_DAYS = 365
FUTURE_DAYS = 28
# Share of the grid booked in the coming weeks (the rest fills the history).
FUTURE_FILL = 0.5
GRID = timedelta(minutes=45)
OPENS, CLOSES = datetime.time(9), datetime.time(18)
ZONE = "America/New_York"
# (slug, minutes, cleanup minutes, needs a treatment room): treatment-00 stays
# request-only, so the treatment pages measured before keep their content.
ONLINE = [
    ("treatment-01", 30, 10, True),
    ("treatment-02", 30, 0, False),
    ("treatment-03", 45, 0, False),
]
CATEGORIES = 12
BENCH_ARTICLE_SLUG = "bench-article-1200-words"
WORDS = 1200

rng = random.Random(20261125)


def treatments() -> list[Treatment]:
    categories = [c for c, _label in Treatment.Category.choices]
    return Treatment.objects.bulk_create(
        Treatment(
            name=f"Treatment {n:02d}",
            slug=f"treatment-{n:02d}",
            category=categories[n % len(categories)],
            duration_minutes=30,
            summary="A representative treatment summary of about one sentence.",
            description="A representative description of a treatment. " * 40,
            areas_treated="Forehead, frown lines, crow's feet",
            results_appear="3–7 days",
            results_last="3–4 months",
            price_from=100 + n,
            order=n,
        )
        for n in range(TREATMENTS)
    )


def bodies() -> list[richtext.Rendered]:
    """About 1,200 words each: the demo articles joined, starting at each one."""
    demos = [a["body"] for a in demo.ARTICLES]
    rendered = []
    for start in range(len(demos)):
        parts, words = [], 0
        for i in range(len(demos) * 2):
            body = demos[(start + i) % len(demos)]
            parts.append(body)
            words += len(richtext.render(body).text.split())
            if words >= WORDS:
                break
        rendered.append(richtext.render("\n".join(parts)))
    return rendered


def articles(treatment_list: list[Treatment]) -> None:
    categories = Category.objects.bulk_create(
        Category(
            name=f"Topic {n:02d}",
            slug=f"topic-{n:02d}",
            description="Articles on one topic, for the benchmark.",
        )
        for n in range(CATEGORIES)
    )
    rendered = bodies()
    # One real upload makes real renditions; every article then shares them.
    first = demo.ARTICLES[0]
    model = Article(
        title=first["title"],
        slug=BENCH_ARTICLE_SLUG,
        summary=first["summary"],
        body=rendered[0].clean_html,
        author_name=demo.AUTHOR,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(hours=1),
        references=first["references"],
        treatment=treatment_list[0],
        hero_alt=first["alt"],
        hero_image=ContentFile(hero_jpeg(first["color"], "bench"), name="bench.jpg"),
    )
    model.save()
    model.categories.set(categories[:2])
    # The measured page carries a byline, as a reviewed article does.
    article_mark_reviewed(
        article=model,
        reviewer=placeholder_reviewer(),
        reviewed_on=timezone.localdate(),
        recorded_by=None,
    )

    now = timezone.now()
    rows = []
    for n in range(1, ARTICLES):
        body = rendered[n % len(rendered)]
        source = demo.ARTICLES[n % len(demo.ARTICLES)]
        if n % 40 == 0:
            status, published_at = Article.Status.DRAFT, None
        elif n % 40 == 1:  # scheduled
            status, published_at = Article.Status.PUBLISHED, now + timedelta(days=n)
        else:
            status = Article.Status.PUBLISHED
            published_at = now - timedelta(hours=2 + n * 13)
        rows.append(
            Article(
                title=f"{source['title']} ({n})",
                slug=f"{source['slug']}-{n}",
                summary=source["summary"],
                body=body.clean_html,
                body_html=body.html,
                body_text=body.text,
                toc=body.toc,
                excerpt=source["summary"] or body.excerpt,
                reading_minutes=body.reading_minutes,
                treatment=treatment_list[n % len(treatment_list)] if n % 2 else None,
                author_name=demo.AUTHOR,
                status=status,
                published_at=published_at,
                references=source["references"],
                hero_image=model.hero_image.name,
                hero_alt=model.hero_alt,
                hero_renditions=model.hero_renditions,
            )
        )
    created = Article.objects.bulk_create(rows, batch_size=500)
    links = Article.categories.through
    links.objects.bulk_create(
        links(article_id=article.pk, category_id=category.pk)
        for article in created
        for category in rng.sample(categories, rng.choice((1, 2)))
    )


def reference(n: int) -> str:
    """Distinct codes in the site's own format (the site draws them at random)."""
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    digits = []
    for _ in range(5):
        n, digit = divmod(n, len(alphabet))
        digits.append(alphabet[digit])
    return "MS-" + "".join(reversed(digits))


def appointment_requests(treatment_list: list[Treatment]) -> None:
    """COPY: 200,000 rows take seconds this way, minutes through the ORM."""
    statuses = [s for s, _label in AppointmentRequest.Status.choices]
    times = [t for t, _label in AppointmentRequest.TimeOfDay.choices]
    now = timezone.now()
    table = AppointmentRequest._meta.db_table
    columns = [
        "reference", "form_token", "first_name", "last_name", "email", "phone",
        "treatment_id", "preferred_date", "preferred_time", "patient_type",
        "contact_method", "message", "consent", "status", "scheduled_for",
        "staff_notes",
        "source_path", "created_at", "updated_at", "patient_email_sent_at",
        "patient_email_withheld", "clinic_email_sent_at",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for n in range(REQUESTS):
                created = now - timedelta(minutes=3 + n * 2.5)
                status = statuses[n % len(statuses)] if n > 500 else "new"
                copy.write_row(
                    (
                        reference(n),
                        uuid.UUID(int=rng.getrandbits(128), version=4),
                        f"Patient{n}",
                        "Example",
                        f"patient{n}@example.com",
                        "+12175440142",
                        treatment_list[n % len(treatment_list)].pk if n % 5 else None,
                        (created + timedelta(days=7)).date(),
                        times[n % len(times)],
                        "new" if n % 3 else "returning",
                        ("call", "text", "email")[n % 3],
                        "",
                        True,
                        status,
                        created + timedelta(days=7) if status == "scheduled" else None,
                        "",
                        "/book/request/",
                        created,
                        created,
                        created,
                        False,
                        created,
                    )
                )


def calendar(treatment_list: list[Treatment]) -> None:
    """The location, rooms, providers and their schedules, online treatments."""
    # Migration 0008 made the first location from settings.CLINIC.
    location = Location.objects.filter(is_active=True).order_by("pk").first()
    if location is None:
        location = Location.objects.create(
            name="Bench clinic",
            street="1 Bench Street",
            city="Springfield",
            postal_code="62701",
        )
    location.time_zone = ZONE
    location.save(update_fields=["time_zone"])
    location.opening_hours.all().delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(location=location, weekday=day, opens=OPENS, closes=CLOSES)
        for day in range(6)
    )
    treatment_room = RoomKind.objects.get_or_create(name="Treatment room")[0]
    laser_room = RoomKind.objects.get_or_create(name="Laser room")[0]
    Room.objects.bulk_create(
        [
            Room(location=location, name="Treatment room 1", kind=treatment_room),
            Room(location=location, name="Treatment room 2", kind=treatment_room),
            Room(location=location, name="Laser room", kind=laser_room),
        ]
    )
    by_slug = {t.slug: t for t in treatment_list}
    online = []
    for slug, minutes, cleanup, needs_room in ONLINE:
        treatment = by_slug[slug]
        treatment.is_bookable_online = True
        treatment.duration_minutes = minutes
        treatment.buffer_after_minutes = cleanup
        treatment.minimum_notice_minutes = 120
        treatment.booking_horizon_days = 60
        treatment.room_kind = treatment_room if needs_room else None
        treatment.save()
        online.append(treatment)
    credentials = [c for c, _label in Provider.Credential.choices]
    for n in range(PROVIDERS):
        provider = Provider.objects.create(
            display_name=f"Bench Provider {n + 1}",
            credential=credentials[n % len(credentials)],
            bio="A provider of the benchmark calendar.",
        )
        provider.locations.add(location)
        provider.treatments.add(*online)
        ProviderSchedule.objects.bulk_create(
            ProviderSchedule(
                provider=provider,
                location=location,
                weekday=day,
                starts=OPENS,
                ends=CLOSES,
            )
            for day in range(6)
        )


def appointments() -> int:
    """COPY APPOINTMENTS rows onto the per-provider grid; return how many."""
    location = Location.objects.filter(is_active=True).order_by("pk").first()
    zone = location.zone
    providers = list(
        Provider.objects.filter(display_name__startswith="Bench").order_by("pk")
    )
    online = list(Treatment.objects.bookable_online().order_by("slug"))
    room_ids = list(
        Room.objects.filter(location=location, kind__name="Treatment room").values_list(
            "pk", flat=True
        )
    )
    now = timezone.now()
    today = now.astimezone(zone).date()
    day_length = datetime.datetime.combine(today, CLOSES) - datetime.datetime.combine(
        today, OPENS
    )
    per_day = int(day_length / GRID)
    past, future = [], []
    for offset in range(-HISTORY_DAYS, FUTURE_DAYS):
        day = today + timedelta(days=offset)
        if day.weekday() > 5:
            continue
        for k in range(per_day):
            starts = datetime.datetime.combine(day, OPENS, zone) + k * GRID
            for provider in providers:
                cell = (starts, provider.pk)
                # Today's and later times stay in the future part, so none of
                # them is in the past yet still "booked".
                (future if starts > now else past).append(cell)
    chosen = [cell for cell in future if rng.random() < FUTURE_FILL]
    chosen += rng.sample(past, min(len(past), max(0, APPOINTMENTS - len(chosen))))
    chosen.sort()
    rooms_taken: dict[datetime.datetime, int] = {}
    table = Appointment._meta.db_table
    columns = [
        "reference", "location_id", "treatment_id", "provider_id", "room_id",
        "starts_at", "ends_at", "blocked_until", "status", "hold_expires_at",
        "first_name", "last_name", "email", "phone", "patient_type",
        "contact_method", "message", "consent", "created_by_id",
        "appointment_request_id", "cancellation_reason",
        "confirmation_email_claimed_at", "confirmation_email_sent_at",
        "clinic_email_claimed_at", "clinic_email_sent_at", "created_at",
        "updated_at", "manage_token", "cancelled_by", "late_cancellation",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for n, (starts, provider_id) in enumerate(chosen):
                treatment = online[n % len(online)]
                room_id = None
                if treatment.room_kind_id is not None:
                    used = rooms_taken.get(starts, 0)
                    if used < len(room_ids):
                        room_id = room_ids[used]
                        rooms_taken[starts] = used + 1
                    else:  # every treatment room is taken then
                        treatment = online[(n + 1) % len(online)]
                ends = starts + timedelta(minutes=treatment.duration_minutes)
                blocked = ends + timedelta(minutes=treatment.buffer_after_minutes)
                if starts > now:
                    status = "cancelled" if n % 25 == 0 else "booked"
                else:
                    status = ("completed",) * 10 + ("cancelled", "no_show")
                    status = status[n % len(status)]
                created = starts - timedelta(days=1 + n % 20)
                copy.write_row(
                    (
                        "MA-" + reference(n)[3:],
                        location.pk,
                        treatment.pk,
                        provider_id,
                        room_id,
                        starts,
                        ends,
                        blocked,
                        status,
                        None,
                        f"Patient{n}",
                        "Example",
                        f"appointment{n}@example.com",
                        "+12175440142",
                        "new" if n % 3 else "returning",
                        ("call", "text", "email")[n % 3],
                        "",
                        True,
                        None,
                        None,
                        "Rescheduled by the patient" if status == "cancelled" else "",
                        created,
                        created,
                        created,
                        created,
                        created,
                        created,
                        new_manage_token(),
                        "patient" if status == "cancelled" else "",
                        False,
                    )
                )
    return len(chosen)


@transaction.atomic
def main() -> None:
    assert connection.settings_dict["NAME"] != "medspa", "refusing the dev database"
    treatment_list = treatments()
    articles(treatment_list)
    appointment_requests(treatment_list)
    calendar(treatment_list)
    appointments()


if __name__ == "__main__":
    main()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
