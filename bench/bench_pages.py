"""Which URL stands for each page type, picked from the bench database."""

from django.apps import apps

CEILING_PAGE = "article detail"
BENCH_ARTICLE_SLUG = "bench-article-1200-words"
SEARCH_TERMS = "botox side effects"
# Bookable online and needing a treatment room (bench/generate.py): the times
# page and the hold POST both use it, the costliest of the three.
BOOKING_TIMES_SLUG = "treatment-01"


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def get_pages() -> list[tuple[str, str]]:
    from urllib.parse import urlencode

    from blog.models import Article
    from booking.models import Treatment

    article = Article.objects.get(slug=BENCH_ARTICLE_SLUG)
    category = article.categories.order_by("pk").first()
    treatment = Treatment.objects.active().order_by("pk").first()
    return [
        ("home", "/"),
        ("article list", "/articles/"),
        ("article detail", article.get_absolute_url()),
        ("category", category.get_absolute_url()),
        ("search", "/articles/search/?" + urlencode({"q": SEARCH_TERMS})),
        # bench/get.lua makes every request's address distinct: a cache miss.
        (
            "cold search",
            "/articles/search/?" + urlencode({"q": SEARCH_TERMS, "cold": ""}),
        ),
        ("treatment list", "/treatments/"),
        ("treatment detail", treatment.get_absolute_url()),
        ("booking form", "/book/request/"),
        ("booking times", f"/book/{BOOKING_TIMES_SLUG}/"),
        ("healthz", "/healthz"),
    ]


def describe_data() -> str:
    counts = []
    for label in (
        "blog.Article",
        "blog.Category",
        "booking.Treatment",
        "booking.AppointmentRequest",
        "booking.Provider",
        "booking.Room",
        "booking.Appointment",
    ):
        model = _model(label)
        if model is not None:
            plural = model._meta.verbose_name_plural
            counts.append(f"{model.objects.count():,} {plural}")
    return ", ".join(counts)


def booking_choices() -> dict:
    """Valid treatment slugs and a preferred date the clinic is open (mornings)."""
    import datetime

    from django.conf import settings
    from django.utils import timezone

    from booking.models import Treatment

    day = timezone.localdate() + datetime.timedelta(days=2)
    while day.weekday() not in settings.CLINIC["hours"] or (
        settings.CLINIC["hours"][day.weekday()][0] >= "12:00"
    ):
        day += datetime.timedelta(days=1)
    slugs = list(
        Treatment.objects.active().order_by("pk").values_list("slug", flat=True)[:20]
    )
    return {"treatments": slugs, "date": day.isoformat()}
