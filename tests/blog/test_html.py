import gzip
import re
from collections import Counter

import html5lib
import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.blog.factories import ArticleFactory, CategoryFactory
from tests.booking.factories import TreatmentFactory

pytestmark = pytest.mark.django_db

PAGE_BUDGET_BYTES = 21 * 1024  # article page HTML + CSS + JS, compressed


@pytest.fixture
def article():
    category = CategoryFactory(slug="injectables", name="Injectables")
    for _ in range(3):
        ArticleFactory(with_hero=True, categories=[category])
    return ArticleFactory(
        with_hero=True,
        categories=[category],
        treatment=TreatmentFactory(slug="botox"),
        body="<h2>A</h2><p>x</p><h2>A</h2><ul><li>y</li></ul><h3>C</h3>"
        '<p><a href="https://www.fda.gov">FDA</a></p>',
        references="FDA label | https://www.fda.gov\nPlain reference",
    )


def blog_pages(article):
    category = article.categories.first()
    return [
        reverse("home"),
        reverse("blog:index"),
        article.get_absolute_url(),
        category.get_absolute_url(),
        reverse("blog:search"),
        reverse("blog:search") + "?q=x",
        reverse("blog:search") + "?q=nothing",
    ]


def test_blog_pages_are_valid_html_with_unique_ids(client, article):
    for url in blog_pages(article):
        html = client.get(url).content.decode()
        html5lib.HTMLParser(strict=True).parse(html)  # raises on any parse error
        ids = Counter(re.findall(r'\sid="([^"]+)"', html))
        assert not [i for i, n in ids.items() if n > 1], url


def test_article_page_stays_within_its_weight_budget(client, article):
    html = client.get(article.get_absolute_url()).content
    assets = re.findall(rb'(?:href|src)="/static/([^"]+\.(?:css|js))"', html)
    total = len(gzip.compress(html))
    for asset in assets:
        with open(finders.find(asset.decode()), "rb") as handle:
            total += len(gzip.compress(handle.read()))
    assert total <= PAGE_BUDGET_BYTES, total


def test_only_the_hero_loads_eagerly(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    images = re.findall(r"<img [^>]+>", html)
    assert 'fetchpriority="high"' in images[0]
    assert all('loading="lazy"' in img for img in images[1:])
    assert all("width=" in img and "height=" in img for img in images)
