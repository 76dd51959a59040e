"""The demo loaders: what they make, and that they never overwrite what the
clinic wrote, imported or edited (medspa.demo)."""

import copy

import pytest
from django.core.management import call_command

from blog.demo import articles as demo
from blog.demo.articles import ARTICLES
from blog.models import Article, ArticleReview, Category
from booking.models import Treatment

pytestmark = pytest.mark.django_db
SUN = "everyday-sun-protection"


def setup_twice():
    """What `make run`'s setup does with content, twice."""
    for _ in range(2):
        call_command("load_demo_treatments")
        call_command("load_demo_calendar")
        call_command("load_demo_articles")


def test_demo_articles_load_idempotently(capsys):
    call_command("load_demo_articles")
    first = {
        a.slug: (a.pk, a.hero_image.name, a.updated_at) for a in Article.objects.all()
    }
    call_command("load_demo_articles")
    second = {
        a.slug: (a.pk, a.hero_image.name, a.updated_at) for a in Article.objects.all()
    }
    assert first == second  # nothing re-saved, so sitemaps keep their lastmod
    assert "0 created, 0 updated, 8 unchanged, 0 kept" in capsys.readouterr().out
    assert len(first) == len(ARTICLES) >= 8
    assert Category.objects.filter(articles__isnull=False).distinct().count() >= 3
    assert Article.objects.published().count() == len(ARTICLES)
    neuro = Article.objects.get(slug="neurotransmitters-vs-neuromodulators")
    assert len(neuro.toc) >= 3 and neuro.hero_renditions["webp"]
    for article in Article.objects.all():
        assert article.is_demo and article.hero_alt
        assert "doctor" in article.body_text or "medical help" in article.body_text


def test_demo_reviews_name_only_the_obvious_placeholder():
    call_command("load_demo_articles")
    for article in Article.objects.all():
        review = article.current_review()
        assert review.reviewer.is_placeholder
        assert str(review.reviewer) == "Example Reviewer, MD — demo"
        assert review.recorded_by is None
    assert ArticleReview.objects.count() == len(ARTICLES)  # one each, not per run
    call_command("load_demo_articles")
    assert ArticleReview.objects.count() == len(ARTICLES)


def test_a_staff_edit_survives_every_later_run():
    call_command("load_demo_articles")
    article = Article.objects.get(slug=SUN)
    article.title = "Sun protection, as our clinic says it"
    article.references = "Our own source | https://example.org/"
    article.save()
    setup_twice()
    article.refresh_from_db()
    assert article.title == "Sun protection, as our clinic says it"
    assert article.references == "Our own source | https://example.org/"
    # The demo's review was of the old text: no byline now.
    assert article.current_review() is None


def test_a_changed_demo_text_updates_only_untouched_demo_articles(monkeypatch):
    call_command("load_demo_articles")
    edited = Article.objects.get(slug="skin-care-after-a-treatment")
    edited.summary = "Our clinic's own summary."
    edited.save()
    newer = copy.deepcopy(demo.ARTICLES)
    for data in newer:
        data["summary"] += " (revised)"
    monkeypatch.setattr(demo, "ARTICLES", newer)
    call_command("load_demo_articles")
    sun = Article.objects.get(slug=SUN)
    assert sun.summary.endswith("(revised)")
    assert sun.current_review() is not None  # re-reviewed as the demo's text
    edited.refresh_from_db()
    assert edited.summary == "Our clinic's own summary."


def test_the_clinics_own_article_under_a_demo_slug_is_never_touched(capsys):
    own = Article.objects.create(
        title="Our sun article",
        slug=SUN,
        body="<p>Our words.</p>",
        author_name="Dr. Our Clinic",
        status=Article.Status.DRAFT,
    )
    setup_twice()
    own.refresh_from_db()
    assert (own.title, own.body, own.status) == (
        "Our sun article",
        "<p>Our words.</p>",
        "draft",
    )
    assert not own.is_demo and own.review is None
    assert "1 kept" in capsys.readouterr().out


def test_demo_treatments_are_made_once_and_staff_edits_kept(capsys):
    call_command("load_demo_treatments")
    botox = Treatment.objects.get(slug="botox")
    assert botox.is_demo and botox.demo_fingerprint
    botox.price_from = 299
    botox.save()
    Treatment.objects.filter(slug="dysport").update(is_demo=False)  # the clinic's
    capsys.readouterr()
    setup_twice()
    botox.refresh_from_db()
    assert botox.price_from == 299
    assert "0 created, 0 updated, 6 unchanged, 2 kept" in capsys.readouterr().out


def test_the_calendar_loader_leaves_the_clinics_own_treatments_alone():
    own = Treatment.objects.create(
        name="Botox, our way",
        slug="botox",
        category=Treatment.Category.INJECTABLES,
        duration_minutes=20,
        summary="Ours.",
        description="Our own text.",
    )
    setup_twice()
    own.refresh_from_db()
    assert not own.is_bookable_online and own.room_kind is None
    assert own.rebook_after_days is None and own.new_patient_treatment is None
    assert own.description == "Our own text."


def test_a_demo_article_retired_by_an_import_is_not_recreated(capsys):
    call_command("load_demo_articles")
    # What the WordPress import does to a demo article holding a post's slug.
    Article.objects.filter(slug=SUN).update(
        slug=SUN + "-demo-retired", status=Article.Status.DRAFT
    )
    setup_twice()  # the imported post itself was deleted meanwhile, say
    assert not Article.objects.filter(slug=SUN).exists()
    assert Article.objects.get(slug=SUN + "-demo-retired").status == "draft"
