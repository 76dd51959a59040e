import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from booking.models import Treatment
from tests.booking.factories import TreatmentFactory

pytestmark = pytest.mark.django_db


def published_article(treatment, slug, **extra):
    from blog.models import Article

    return Article.objects.create(
        title=f"About {slug}",
        slug=slug,
        author_name="Staff",
        treatment=treatment,
        status=Article.Status.PUBLISHED,
        published_at=timezone.now() - datetime.timedelta(days=1),
        **extra,
    )


def test_list_shows_active_treatments_in_order(client):
    TreatmentFactory(name="Second", slug="second", order=2)
    TreatmentFactory(name="First", slug="first", order=1)
    TreatmentFactory(name="Hidden", slug="hidden", is_active=False)
    html = client.get("/treatments/").content.decode()
    assert html.index("First") < html.index("Second")
    assert "Hidden" not in html


def test_detail_shows_facts_related_articles_and_book_button(client, treatment):
    treatment.areas_treated = "Frown lines"
    treatment.results_appear = "In 3–7 days"
    treatment.price_from = 250
    treatment.save()
    published_article(treatment, "botox-basics")
    from blog.models import Article

    Article.objects.create(
        title="Draft", slug="draft-one", author_name="Staff", treatment=treatment
    )
    response = client.get("/treatments/botox/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Botox Cosmetic</h1>" in html
    assert "Frown lines" in html and "In 3–7 days" in html and "from $250" in html
    assert 'href="/book/request/?treatment=botox"' in html
    assert "About botox-basics" in html
    assert "Draft" not in html


def test_inactive_or_unknown_treatment_is_404(client):
    TreatmentFactory(slug="old", is_active=False)
    assert client.get("/treatments/old/").status_code == 404
    assert client.get("/treatments/nope/").status_code == 404


def test_treatment_pages_have_fixed_query_counts(
    client, treatment, django_assert_max_num_queries
):
    for n in range(10):
        TreatmentFactory(slug=f"t{n}")
        published_article(treatment, f"article-{n}")
    with django_assert_max_num_queries(3):
        client.get("/treatments/")
    with django_assert_max_num_queries(4):
        client.get("/treatments/botox/")


def test_home_page_shows_featured_treatments_with_fixed_queries(
    client, django_assert_max_num_queries
):
    for n in range(6):
        TreatmentFactory(slug=f"featured-{n}", name=f"Featured {n}", is_featured=True)
    TreatmentFactory(slug="plain", name="Not featured")
    with django_assert_max_num_queries(6):
        html = client.get("/").content.decode()
    assert "Popular treatments" in html
    assert html.count("Featured ") == 3
    assert "Not featured" not in html


def test_demo_catalog_loads_idempotently_and_keeps_staff_edits():
    call_command("load_demo_treatments", stdout=io.StringIO())
    slugs = set(Treatment.objects.values_list("slug", flat=True))
    assert {
        "botox",
        "dysport",
        "xeomin",
        "dermal-fillers",
        "chemical-peels",
        "microneedling",
        "hyperhidrosis",
        "consultation",
    } <= slugs
    Treatment.objects.filter(slug="botox").update(summary="Edited by staff")
    out = io.StringIO()
    call_command("load_demo_treatments", stdout=out)
    assert "0 created" in out.getvalue()
    assert Treatment.objects.count() == len(slugs)
    assert Treatment.objects.get(slug="botox").summary == "Edited by staff"
    assert Treatment.objects.featured().exists()
    botox = Treatment.objects.get(slug="botox")
    assert "acetylcholine" in botox.description
    assert "3 to 7 days" in botox.description
