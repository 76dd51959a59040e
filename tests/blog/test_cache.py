import time

import pytest
from django.core.cache import caches
from django.db import OperationalError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from blog.cache import site_version
from blog.models import Article
from medspa import page_cache
from tests.blog.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_the_site_version_changes_with_any_article_edit_publication_or_deletion():
    other = ArticleFactory()
    seen = {site_version()}
    other.title = "Edited"
    other.save()
    seen.add(site_version())
    ArticleFactory(scheduled=True)  # a new row, even unpublished
    seen.add(site_version())
    other.delete()
    seen.add(site_version())
    assert len(seen) == 4


def test_the_site_version_changes_when_a_publish_time_comes(visibility_set):
    before = site_version()
    # Time passes: the database clock decides, so move the publish time instead,
    # with update(), which leaves updated_at alone as the passing time would.
    Article.objects.filter(pk=visibility_set["scheduled"].pk).update(
        published_at=timezone.now()
    )
    assert site_version() != before


def test_a_hit_costs_one_query_and_keeps_the_security_headers(
    client, django_assert_num_queries
):
    article = ArticleFactory()
    first = client.get(article.get_absolute_url())
    with django_assert_num_queries(1):  # the site version
        hit = client.get(article.get_absolute_url())
    assert hit.content == first.content
    assert hit["Content-Length"] == str(len(hit.content))
    for header in (
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
    ):
        assert hit[header] == first[header], header


def test_each_process_reads_the_site_version_at_most_ten_times_a_second(
    client, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(page_cache, "VERSION_SECONDS", 0.5)
    article = ArticleFactory(title="Before")
    client.get(article.get_absolute_url())
    with django_assert_num_queries(0):
        client.get(article.get_absolute_url())
    article.title = "After"
    article.save()
    time.sleep(0.5)
    assert "After" in client.get(article.get_absolute_url()).content.decode()


def test_a_page_that_sets_a_cookie_is_not_stored(client, monkeypatch):
    def view_with_cookie(request):
        response = HttpResponse("personal")
        response.set_cookie("chosen", "1")
        return response

    monkeypatch.setitem(page_cache.CACHED_VIEWS, "robots", page_cache.CACHE_ALIAS)
    monkeypatch.setattr(
        "django.views.generic.base.TemplateView.get",
        lambda self, request, *a, **kw: view_with_cookie(request),
    )
    client.get(reverse("robots"))
    assert len(caches[page_cache.CACHE_ALIAS]._cache) == 0


def test_while_the_database_is_down_cached_pages_are_still_served(client, monkeypatch):
    article, uncached = ArticleFactory(), ArticleFactory()
    first = client.get(article.get_absolute_url())

    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(page_cache, "site_version", unreachable)
    served = client.get(article.get_absolute_url())
    assert served.status_code == 200
    assert served.content == first.content
    with pytest.raises(OperationalError):
        client.get(uncached.get_absolute_url())


def test_search_results_have_their_own_cache(client):
    ArticleFactory(title="Botox basics")
    client.get(reverse("blog:search"), {"q": "botox"})
    # The page, and the page around results kept for any query (SearchView).
    assert len(caches[page_cache.SEARCH_CACHE_ALIAS]._cache) == 2
    assert len(caches[page_cache.CACHE_ALIAS]._cache) == 0


@pytest.mark.parametrize("cookie", ["sessionid", "messages"])
def test_visitors_with_a_session_or_a_message_get_a_fresh_render(
    client, django_assert_num_queries, cookie
):
    article = ArticleFactory()
    client.get(article.get_absolute_url())  # cached now
    client.cookies[cookie] = "x"
    # No page version; the article, its categories and related articles instead.
    with django_assert_num_queries(3):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200


def test_a_cached_page_is_not_served_to_another_host(client, settings):
    settings.ALLOWED_HOSTS = ["a.example", "b.example"]
    article = ArticleFactory()
    first = client.get(article.get_absolute_url(), HTTP_HOST="a.example")
    second = client.get(article.get_absolute_url(), HTTP_HOST="b.example")
    assert b"http://a.example/" in first.content
    assert b"http://b.example/" in second.content
    assert b"http://a.example/" not in second.content


def test_the_list_pages_are_cached_under_the_site_version(
    client, django_assert_num_queries
):
    """medspa.page_cache: one query (the site version) on a hit, and an edit
    shows on the next request."""
    article = ArticleFactory(title="Before")
    client.get(reverse("blog:index"))
    with django_assert_num_queries(1):
        assert b"Before" in client.get(reverse("blog:index")).content
    article.title = "After"
    article.save()
    assert b"After" in client.get(reverse("blog:index")).content
