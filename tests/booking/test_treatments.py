import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from booking.management.commands.load_demo_treatments import TREATMENTS
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


def demo_treatment(slug: str) -> dict:
    return next(values for values in TREATMENTS if values["slug"] == slug)


def demo_text(values: dict) -> str:
    return " ".join(str(value) for value in values.values())


@pytest.mark.parametrize("values", TREATMENTS, ids=lambda v: v["slug"])
def test_no_demo_treatment_says_results_last_3_to_6_months(values):
    assert not re.search(r"3\s*(?:to|–|-|—)\s*6\s*months", demo_text(values))


@pytest.mark.parametrize("slug", ["botox", "dysport", "xeomin"])
def test_toxin_entries_follow_the_medical_review(slug):
    values = demo_treatment(slug)
    text = values["description"]
    assert values["results_last"] == "About 3–4 months (varies)"
    assert "3 to 4 months" in text
    # Side effects beyond bruising, swelling and redness.
    assert "headache" in text and "drooping eyelid or brow" in text
    # The boxed warning as an emergency, and when symptoms can start.
    assert "Call 911 if you have trouble breathing or swallowing" in text
    assert "hours to weeks" in text and "do not drive" in text
    assert "allergic reaction to any botulinum toxin" in text
    assert "infection where the injections would go" in text
    # A link to the product's prescribing information.
    assert re.search(r"prescribing information for \w+ .*: https://", text)


def test_botox_is_described_by_facts_not_superlatives():
    text = demo_treatment("botox")["description"]
    assert "best-known" not in text
    assert "first botulinum toxin the FDA approved for frown lines" in text


def test_dysport_names_the_cows_milk_protein_allergy():
    values = demo_treatment("dysport")
    assert "allergic to cow's milk protein" in values["description"]
    assert "adults under 65" in values["description"]


def test_xeomin_areas_include_forehead_lines_and_crows_feet():
    values = demo_treatment("xeomin")
    assert "forehead lines" in values["areas_treated"]
    assert "crow's feet" in values["areas_treated"]
    assert "July 2024" in values["description"]


def test_fillers_say_911_for_vision_change_or_stroke_and_the_clinic_for_skin():
    values = demo_treatment("dermal-fillers")
    text = values["description"]
    assert re.search(r"Call 911 at once if you notice any change in your vision", text)
    assert "signs of a stroke" in text
    assert re.search(
        r"Call the clinic at once if .*pale, white, blotchy or dusky", text
    )
    assert "hyaluronidase (an off-label use" in text
    assert "lidocaine" in text and "pregnant or breastfeeding" in text
    assert "straight away" not in values["summary"]  # not every filler shows at once


def test_hyperhidrosis_names_the_approved_product_and_what_comes_first():
    values = demo_treatment("hyperhidrosis")
    text = values["summary"] + " " + values["description"]
    assert "BOTOX (onabotulinumtoxinA)" in text
    assert "not Botox Cosmetic" in text
    assert "prescription antiperspirants" in values["summary"]
    assert "prescription-strength antiperspirant" in values["description"]
    assert "inadequately managed with topical agents" in text
    assert "Call 911 if you have trouble breathing or swallowing" in text
    assert "https://www.rxabbvie.com/pdf/botox_pi.pdf" in text


def test_skin_treatments_say_when_to_call_and_drop_the_pore_claim():
    peels = demo_treatment("chemical-peels")["description"]
    assert "Call us if you get blisters" in peels
    assert "darker skin types that scar" not in peels
    microneedling = demo_treatment("microneedling")
    assert "pores" not in demo_text(microneedling)
    assert "Call us if the area becomes hot" in microneedling["description"]


def test_every_demo_treatment_page_carries_the_emergency_line(client):
    call_command("load_demo_treatments", stdout=io.StringIO())
    for treatment in Treatment.objects.all():
        html = client.get(treatment.get_absolute_url()).content.decode()
        disclaimer = re.search(r'<p class="disclaimer">(.*?)</p>', html, re.S)
        assert "in an emergency call 911" in disclaimer.group(1), treatment.slug


def test_treatment_page_links_the_prescribing_information(client):
    call_command("load_demo_treatments", stdout=io.StringIO())
    html = client.get("/treatments/botox/").content.decode()
    assert 'href="https://www.rxabbvie.com/pdf/botox-cosmetic_pi.pdf"' in html
    html = client.get("/treatments/dysport/").content.decode()
    assert (
        'href="https://dailymed.nlm.nih.gov/dailymed/search.cfm?labeltype=all&amp;'
        'query=DYSPORT"' in html
    )
