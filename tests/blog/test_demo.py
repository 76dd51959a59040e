import pytest
from django.core.management import call_command

from blog.demo.articles import ARTICLES
from blog.models import Article, Category

pytestmark = pytest.mark.django_db


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
    assert "0 created, 0 updated, 8 unchanged" in capsys.readouterr().out
    assert len(first) == len(ARTICLES) >= 8
    assert Category.objects.filter(articles__isnull=False).distinct().count() >= 3
    assert Article.objects.published().count() == len(ARTICLES)
    neuro = Article.objects.get(slug="neurotransmitters-vs-neuromodulators")
    assert len(neuro.toc) >= 3 and neuro.hero_renditions["webp"]
    for article in Article.objects.all():
        assert article.reviewer_name and article.hero_alt
        assert "doctor" in article.body_text or "medical help" in article.body_text


def test_demo_loader_updates_changed_articles_and_keeps_editor_review_dates():
    call_command("load_demo_articles")
    article = Article.objects.get(slug="everyday-sun-protection")
    Article.objects.filter(pk=article.pk).update(title="Edited", last_reviewed_on=None)
    call_command("load_demo_articles")
    article.refresh_from_db()
    assert article.title != "Edited"
    assert article.last_reviewed_on is None  # review dates are the editors' to set
