"""Fill the bench database with a scaled data set, fast (bulk_create and COPY).

Only for the throwaway bench database that bench/run.py creates; never run it
against development data. Sizes come from the environment (BENCH_ARTICLES,
BENCH_TREATMENTS, BENCH_REQUESTS) so tests can make small and large sets.
"""

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
from blog.models import Article, Category  # noqa: E402
from booking.models import AppointmentRequest, Treatment  # noqa: E402

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "2000"))
TREATMENTS = int(os.environ.get("BENCH_TREATMENTS", "50"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200000"))
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
            results_last="3–6 months",
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
        reviewer_name=demo.REVIEWER,
        last_reviewed_on=timezone.localdate(),
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - timedelta(hours=1),
        references=first["references"],
        treatment=treatment_list[0],
        hero_alt=first["alt"],
        hero_image=ContentFile(hero_jpeg(first["color"], "bench"), name="bench.jpg"),
    )
    model.save()
    model.categories.set(categories[:2])

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
                reviewer_name=demo.REVIEWER,
                last_reviewed_on=(now - timedelta(days=n % 500)).date(),
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
                        "/book/",
                        created,
                        created,
                        created,
                        False,
                        created,
                    )
                )


@transaction.atomic
def main() -> None:
    assert connection.settings_dict["NAME"] != "medspa", "refusing the dev database"
    treatment_list = treatments()
    articles(treatment_list)
    appointment_requests(treatment_list)


if __name__ == "__main__":
    main()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
