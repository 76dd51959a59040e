"""The demo articles say what the medical review (CONTENT-REVIEW.md, section 2)
asked for, cite each source only for what it says, and every article page carries
the emergency line."""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from blog.demo.articles import ARTICLES
from blog.models import Article

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
BY_SLUG = {article["slug"]: article for article in ARTICLES}
TOXIN_ARTICLES = [
    "neurotransmitters-vs-neuromodulators",
    "botox-dysport-xeomin-compared",
    "your-first-neuromodulator-appointment",
    "side-effects-after-injections",
    "who-should-not-have-neuromodulators",
]
# Any spelling of the overstated duration the old WordPress post had.
THREE_TO_SIX_MONTHS = re.compile(r"3\s*(?:to|–|-|—)\s*6\s*months", re.IGNORECASE)


def text_of(article: dict) -> str:
    """Everything a reader sees of an article, tags removed, spaces collapsed."""
    parts = (article["title"], article["summary"], article["body"])
    return " ".join(re.sub(r"<[^>]+>", " ", " ".join(parts)).split())


def reference_lines(article: dict) -> list[str]:
    return [line for line in article["references"].splitlines() if line.strip()]


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["slug"])
def test_no_article_says_results_last_3_to_6_months(article):
    assert not THREE_TO_SIX_MONTHS.search(text_of(article) + article["references"])


def test_duration_is_about_3_to_4_months_and_varies():
    for slug in (
        "neurotransmitters-vs-neuromodulators",
        "botox-dysport-xeomin-compared",
    ):
        text = text_of(BY_SLUG[slug])
        assert "3 to 4 months" in text
        assert "varies with the product" in text


def test_neuromodulator_is_explained_as_two_meanings():
    text = text_of(BY_SLUG["neurotransmitters-vs-neuromodulators"])
    assert "In neuroscience, neuromodulators are the body's own messengers" in text
    assert "prescription medicines" in text
    assert "the word usually means a purified form" not in text


@pytest.mark.parametrize(
    "slug",
    [
        "neurotransmitters-vs-neuromodulators",
        "botox-dysport-xeomin-compared",
        "your-first-neuromodulator-appointment",
        "who-should-not-have-neuromodulators",
    ],
)
def test_dysport_cows_milk_protein_allergy_is_named(slug):
    assert "cow's milk protein" in text_of(BY_SLUG[slug])


def test_xeomin_areas_match_its_july_2024_approval():
    text = text_of(BY_SLUG["botox-dysport-xeomin-compared"])
    assert "Xeomin has also been approved for forehead lines and crow's feet" in text
    assert "July 2024" in text


@pytest.mark.parametrize(
    "slug",
    [
        "neurotransmitters-vs-neuromodulators",
        "botox-dysport-xeomin-compared",
        "side-effects-after-injections",
    ],
)
def test_side_effects_go_beyond_bruising_swelling_and_redness(slug):
    text = text_of(BY_SLUG[slug]).lower()
    assert "headache" in text
    assert "drooping eyelid or brow" in text


@pytest.mark.parametrize("slug", TOXIN_ARTICLES)
def test_toxin_articles_say_when_to_call_911(slug):
    text = text_of(BY_SLUG[slug])
    assert "call 911" in text.lower()
    assert "breathing" in text and "swallowing" in text


@pytest.mark.parametrize(
    "slug",
    [
        "neurotransmitters-vs-neuromodulators",
        "botox-dysport-xeomin-compared",
        "side-effects-after-injections",
    ],
)
def test_spread_can_start_hours_to_weeks_later(slug):
    assert "hours to weeks" in text_of(BY_SLUG[slug])


@pytest.mark.parametrize(
    "slug",
    [
        "neurotransmitters-vs-neuromodulators",
        "your-first-neuromodulator-appointment",
        "side-effects-after-injections",
    ],
)
def test_readers_are_told_not_to_drive_when_weak_dizzy_or_seeing_poorly(slug):
    text = text_of(BY_SLUG[slug])
    assert "do not drive" in text and "dizzy" in text


def test_aftercare_names_the_filler_emergencies():
    text = text_of(BY_SLUG["skin-care-after-a-treatment"])
    assert re.search(r"change in your vision, or signs of a stroke.*call 911 now", text)
    assert re.search(r"pale, white, blotchy or dusky ?: call the clinic at once", text)
    assert "Trouble breathing or swallowing is an emergency: call 911" in text


def test_sun_article_is_concrete_and_mentions_babies():
    text = text_of(BY_SLUG["everyday-sun-protection"])
    assert "American Academy of Dermatology" in text
    assert "every 2 hours" in text and "1 ounce" in text
    assert "Babies under 6 months" in text


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["slug"])
def test_references_are_links_cited_for_what_they_say(article):
    for line in reference_lines(article):
        label, _sep, url = line.partition("|")
        # A reference never backs clinic practice such as a visit's length.
        assert "minute" not in label and "check-in" not in label
        if url.strip():
            assert url.strip().startswith("https://")
        if "Prescribing Information" in label:
            assert url.strip(), line
        # DailyMed set ids were never verified: link only its search.
        if "dailymed" in url:
            assert "setid" not in url and "search.cfm?" in url


@pytest.mark.parametrize("article", ARTICLES, ids=lambda a: a["slug"])
def test_visit_length_is_called_clinic_practice_not_a_label_fact(article):
    if "15 to 30 minutes" in article["body"]:
        assert "common clinic practice" in article["body"]
        assert "In most clinics" in article["body"]


def test_botox_cosmetic_pi_carries_its_revision_date():
    refs = BY_SLUG["neurotransmitters-vs-neuromodulators"]["references"]
    assert "AbbVie, rev. 10/2024" in refs
    assert "https://www.rxabbvie.com/pdf/botox-cosmetic_pi.pdf" in refs


@pytest.mark.parametrize(
    "slug", ["everyday-sun-protection", "skin-care-after-a-treatment", *TOXIN_ARTICLES]
)
def test_health_articles_have_references(slug):
    assert reference_lines(BY_SLUG[slug])


def test_the_review_asked_for_gentler_claims():
    compared = text_of(BY_SLUG["botox-dysport-xeomin-compared"])
    assert "spreads or feels slightly different" not in compared
    assert "respond a little differently" in compared
    who = text_of(BY_SLUG["who-should-not-have-neuromodulators"])
    assert "not enough safety information" in who
    assert "under 18" in who and "anticholinergic" in who


def test_every_demo_article_page_carries_the_emergency_line(client):
    call_command("load_demo_articles")
    assert Article.objects.published().count() == len(ARTICLES)
    for article in Article.objects.published():
        html = client.get(article.get_absolute_url()).content.decode()
        assert "in an emergency call 911" in html, article.slug
        for ref in article.reference_list():
            if ref["url"]:
                assert f'href="{ref["url"]}"'.replace("&", "&amp;") in html


def test_public_pages_make_no_unearned_claims(client):
    home = client.get("/").content.decode()
    assert "<h1>Aesthetic treatments, explained honestly</h1>" in home
    assert "Natural-looking results" not in home
    assert "hysician-supervised" not in home
    articles = client.get("/articles/").content.decode()
    assert "reviewed by our clinicians" not in articles


def test_no_made_up_reviewer_name_anywhere_in_the_repository():
    name = "Dana" + " Reyes"  # split, so this file does not match itself
    # What .gitignore keeps out of the repository, plus caches.
    skipped = {".git", ".venv", ".pgdata", "staticfiles", "media", "lighthouse"}
    skipped_anywhere = {"__pycache__", ".pytest_cache", ".ruff_cache", "node_modules"}
    # Migrations on main are never edited; this one's old help text is history.
    old_migration = ROOT / "blog" / "migrations" / "0001_initial.py"
    suffixes = {".py", ".html", ".txt", ".md", ".xml", ".json", ".js", ".css", ".toml"}
    found = []
    for folder, dirs, files in os.walk(ROOT):
        here = Path(folder)
        dirs[:] = [
            d
            for d in dirs
            if d not in skipped_anywhere
            and not (here == ROOT and d in skipped)
            and here / d != ROOT / "bench" / "data"
        ]
        for file in files:
            path = here / file
            if path.suffix in suffixes and path != old_migration:
                if name in path.read_text(errors="ignore"):
                    found.append(str(path.relative_to(ROOT)))
    assert found == []
