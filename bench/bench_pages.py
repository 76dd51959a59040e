"""Which URL stands for each page type, picked from the bench database."""

from django.apps import apps

CEILING_PAGE = "article detail"


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def get_pages() -> list[tuple[str, str]]:
    pages = [("home", "/")]
    pages.append(("treatment list", "/treatments/"))
    treatment = _model("booking.Treatment").objects.active().order_by("pk").first()
    if treatment is not None:
        pages.append(("treatment detail", treatment.get_absolute_url()))
    pages.append(("healthz", "/healthz"))
    return pages


def describe_data() -> str:
    counts = []
    for label in (
        "blog.Article",
        "blog.Category",
        "booking.Treatment",
        "booking.AppointmentRequest",
    ):
        model = _model(label)
        if model is not None:
            plural = model._meta.verbose_name_plural
            counts.append(f"{model.objects.count():,} {plural}")
    return ", ".join(counts)
