import pytest
from django.urls import reverse
from django.utils import timezone

from blog.cache import page_version
from blog.models import Article
from tests.blog.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_page_version_is_none_for_what_the_public_may_not_see(visibility_set):
    assert page_version(visibility_set["published"].slug)[0] == (
        visibility_set["published"].pk
    )
    assert page_version(visibility_set["draft"].slug) is None
    assert page_version(visibility_set["scheduled"].slug) is None
    assert page_version("no-such-article") is None


def test_page_version_changes_with_any_article_edit_publication_or_deletion():
    reader, other = ArticleFactory(), ArticleFactory()
    seen = {page_version(reader.slug)}
    other.title = "Edited"
    other.save()
    seen.add(page_version(reader.slug))
    ArticleFactory(scheduled=True)  # a new row, even unpublished
    seen.add(page_version(reader.slug))
    other.delete()
    seen.add(page_version(reader.slug))
    assert len(seen) == 4


def test_page_version_changes_when_a_publish_time_comes(visibility_set):
    reader = visibility_set["published"]
    before = page_version(reader.slug)
    # Time passes: the database clock decides, so move the publish time instead,
    # with update(), which leaves updated_at alone as the passing time would.
    Article.objects.filter(pk=visibility_set["scheduled"].pk).update(
        published_at=timezone.now()
    )
    assert page_version(reader.slug) != before


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
