import pytest
from django.core.management import call_command

from blog.demo.articles import ARTICLES
from blog.models import Article, Category

pytestmark = pytest.mark.django_db


def test_demo_articles_load_idempotently():
    call_command("load_demo_articles")
    first = {a.slug: (a.pk, a.hero_image.name) for a in Article.objects.all()}
    call_command("load_demo_articles")
    second = {a.slug: (a.pk, a.hero_image.name) for a in Article.objects.all()}
    assert first == second
    assert len(first) == len(ARTICLES) >= 8
    assert Category.objects.filter(articles__isnull=False).distinct().count() >= 3
    assert Article.objects.published().count() == len(ARTICLES)
    neuro = Article.objects.get(slug="neurotransmitters-vs-neuromodulators")
    assert len(neuro.toc) >= 3 and neuro.hero_renditions["webp"]
    for article in Article.objects.all():
        assert article.reviewer_name and article.hero_alt
        assert "doctor" in article.body_text or "medical help" in article.body_text
