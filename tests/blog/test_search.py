"""Article search (blog.search) and its page (blog.views.SearchView)."""

from datetime import date, timedelta

import pytest
from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.urls import reverse
from django.utils import timezone

from blog import search
from blog.models import Article, ArticleSearch
from blog.search import MARK_START, MARK_STOP
from blog.views import SearchView
from booking import clinic
from booking.models import Location
from medspa.context_processors import CACHE_ALIAS
from tests.blog.factories import ArticleFactory
from tests.test_location_footer import make_location

pytestmark = pytest.mark.django_db


def found(query, offset=0, limit=12):
    return search.find(query, offset=offset, limit=limit)


def found_pks(query, **kwargs):
    return [hit.pk for hit in found(query, **kwargs).hits]


def test_title_hits_rank_above_summary_hits_above_text_hits_newest_first():
    now = timezone.now()
    older_text = ArticleFactory(
        title="Skin care", body="<p>About dysport.</p>", published_at=now - timedelta(3)
    )
    newer_text = ArticleFactory(
        title="Skin care too",
        body="<p>More about dysport.</p>",
        published_at=now - timedelta(2),
    )
    summary_hit = ArticleFactory(
        title="Care", summary="Dysport in brief.", published_at=now - timedelta(9)
    )
    title_hit = ArticleFactory(
        title="Dysport explained", published_at=now - timedelta(9)
    )
    ArticleFactory(title="Sunscreen", body="<p>Sunscreen daily.</p>")
    results = found("dysport")
    assert [hit.pk for hit in results.hits] == [
        title_hit.pk,
        summary_hit.pk,
        newer_text.pk,
        older_text.pk,
    ]
    assert results.total == 4


def test_only_public_articles_are_found(visibility_set):
    assert found_pks("wrinkle") == [visibility_set["published"].pk]
    assert found("wrinkle").total == 1


def test_a_page_of_results_and_the_total_of_all():
    articles = [ArticleFactory(title=f"Peel guide {n}") for n in range(5)]
    newest_first = [a.pk for a in sorted(articles, key=lambda a: a.published_at)][::-1]
    assert found_pks("peel", offset=0, limit=2) == newest_first[:2]
    assert found_pks("peel", offset=4, limit=2) == newest_first[4:]
    assert found("peel", offset=2, limit=2).total == 5
    past_the_end = found("peel", offset=5, limit=2)
    assert past_the_end.hits == [] and past_the_end.total == 0


def test_web_search_syntax():
    both = ArticleFactory(title="Dysport and sunscreen")
    dysport = ArticleFactory(title="Dysport only")
    peel = ArticleFactory(title="Chemical peel")
    assert found_pks("dysport -sunscreen") == [dysport.pk]
    assert found_pks('"dysport and sunscreen"') == [both.pk]
    assert set(found_pks("sunscreen or peel")) == {both.pk, peel.pk}


@pytest.mark.parametrize("query", ["", "the and of", "!!!"])
def test_nothing_or_only_common_words_find_nothing(query):
    ArticleFactory(title="The dysport story")
    results = found(query)
    assert results.hits == [] and results.total == 0


def test_the_excerpt_comes_with_the_query_words_marked():
    ArticleFactory(title="Care", summary="Dysport lasts; dysports too & more.")
    [hit] = found("dysport").hits
    assert hit.headline == (
        f"{MARK_START}Dysport{MARK_STOP} lasts; {MARK_START}dysports{MARK_STOP} "
        "too & more."
    )


def test_a_mark_character_typed_into_a_summary_is_left_out():
    ArticleFactory(title="Care", summary=f"Dysport {MARK_START}lasts{MARK_STOP}.")
    [hit] = found("dysport").hits
    assert hit.headline == f"{MARK_START}Dysport{MARK_STOP} lasts."


def test_a_hit_deep_in_the_text_finds_the_article_and_shows_its_excerpt():
    filler = "<p>" + "Skin care basics. " * 400 + "</p>"
    late = ArticleFactory(title="Care", summary="", body=filler + "<p>Dysport.</p>")
    [hit] = found("dysport").hits
    assert hit.pk == late.pk
    assert hit.headline == Article.objects.get(pk=late.pk).excerpt
    assert hit.headline.startswith("Skin care basics.")


def test_the_search_rows_follow_every_change_of_an_article():
    """A database trigger keeps blog.ArticleSearch in step, whatever path the
    change takes: a save, an update of the queryset, a bulk insert."""
    article = ArticleFactory(title="Dysport explained")
    assert found_pks("dysport") == [article.pk]
    article.title = "Xeomin explained"
    article.save()
    assert found_pks("dysport") == [] and found_pks("xeomin") == [article.pk]
    Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
    assert found_pks("xeomin") == []
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    assert found_pks("xeomin") == [article.pk]
    [bulk] = Article.objects.bulk_create(
        [ArticleFactory.build(title="Sunscreen daily", published_at=timezone.now())]
    )
    assert found_pks("sunscreen") == [bulk.pk]


def test_the_vectors_are_made_again_only_when_the_words_change():
    article = ArticleFactory(title="Dysport explained")
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute(
            """CREATE OR REPLACE FUNCTION blog_article_search_vectors(
                   title text, summary text, body_text text,
                   OUT rank_vector tsvector, OUT search_vector tsvector
               ) LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION 'vectors made'; END $$"""
        )
    article.status = Article.Status.DRAFT
    article.save()  # every column written, the words unchanged
    assert found_pks("dysport") == []
    article.title = "Xeomin explained"
    with pytest.raises(DatabaseError, match="vectors made"):
        article.save()


def test_a_deleted_article_takes_its_search_row_with_it():
    """Also a reviewed one: deleting its review first updates the article, which
    must not write its search row back (constraints checked, as at a commit)."""
    article = ArticleFactory(title="Dysport explained", reviewed_on=date(2026, 1, 5))
    ArticleFactory(title="Peel guide")
    article.delete()
    connection.check_constraints()
    assert found_pks("dysport") == []
    assert ArticleSearch.objects.count() == 1


def index_and_table_scans() -> tuple[int, int]:
    """Scans so far of the full-text index, and of its table end to end."""
    with connection.cursor() as cursor:
        # This connection's counts are published once it is idle again.
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            """SELECT pg_stat_get_numscans('article_search_idx'::regclass),
                      pg_stat_get_numscans('blog_articlesearch'::regclass)"""
        )
        return cursor.fetchone()


@pytest.mark.django_db(transaction=True)
def test_the_index_finds_the_matches_even_when_every_article_matches():
    """The planner would scan the whole table, testing each article's full
    vector, were the sequential scan not switched off (blog_search_page(),
    migration blog 0013).
    Outside a transaction, as in production."""
    for n in range(30):
        ArticleFactory(title=f"Botox guide {n}", body="<p>Botox side effects.</p>")
    index_before, table_before = index_and_table_scans()
    assert found("botox side effects").total == 30
    assert index_and_table_scans() == (index_before + 1, table_before)


def test_a_query_loses_control_and_private_use_characters():
    assert search.clean_query(" a\x00b \ue000c\ue010  d\uf8ff ") == "a b c d"
    assert len(search.clean_query("x" * 500)) == search.MAX_QUERY_LENGTH


# The page


def search_page(client, query, **params):
    return client.get(reverse("blog:search"), {"q": query, **params})


def test_the_page_lists_the_cards_best_first(client):
    text_hit = ArticleFactory(title="Caring for skin", body="<p>About dysport.</p>")
    title_hit = ArticleFactory(title="Dysport explained")
    body = search_page(client, "dysport").content.decode()
    assert "2 articles found for “dysport”." in body
    assert body.index(title_hit.get_absolute_url()) < body.index(
        text_hit.get_absolute_url()
    )


def test_the_page_marks_the_words_and_escapes_everything_else(client):
    ArticleFactory(
        title="Safe <b>title</b>",
        summary="",
        # The text an editor typed, shown literally on the article page.
        body="<p>neuromodulator facts &lt;img src=x onerror=alert(1)&gt; x</p>",
    )
    body = search_page(client, 'neuromodulator "<script>').content.decode()
    assert "<mark>neuromodulator</mark> facts &lt;img src=x onerror=alert" in body
    assert "<img src=x" not in body and "<script>" not in body
    assert "Safe &lt;b&gt;title&lt;/b&gt;" in body
    assert "Search: neuromodulator &quot;&lt;script&gt; · " in body
    assert 'value="neuromodulator &quot;&lt;script&gt;"' in body


def test_the_page_put_together_from_pieces_is_the_fresh_render(client):
    """A visitor without a session gets the page around the results kept per
    process; a visitor with one gets a fresh render: the same page."""
    for n in range(14):
        ArticleFactory(title=f"Filler facts {n}", summary=f"Filler & <co> {n}.")
    query, params = 'filler "facts"', {"page": 2}
    anonymous = search_page(client, query, **params)
    assert '"?q=filler%20%22facts%22&amp;page=1" rel="prev"' in anonymous.text
    search_page(client, "another query")  # the page around results is reused
    client.cookies["sessionid"] = "x"  # a session: rendered whole
    fresh = search_page(client, query, **params)
    assert anonymous.status_code == fresh.status_code == 200
    assert anonymous.content == fresh.content


def test_the_page_around_results_never_keeps_a_visitors_message(rf):
    """It is shared by every visitor. The page cache only asks for it for
    visitors without a session or a message; should one come anyway, their
    message is still not kept in it."""
    ArticleFactory(title="Botox basics")
    request = rf.get(reverse("blog:search"), {"q": "botox"})
    SessionMiddleware(lambda request: None).process_request(request)
    request._messages = default_storage(request)
    messages.info(request, "Your request was sent.")
    request.page_version = ("a version",)
    SearchView.as_view()(request)
    later = rf.get(reverse("blog:search"), {"q": "botox"})
    later.page_version = ("a version",)
    assert "Your request was sent." not in SearchView.as_view()(later).text


def test_a_change_shows_at_once_on_the_page_and_in_its_cards(client):
    Location.objects.all().delete()
    location = make_location(name="Elm Road Clinic")
    article = ArticleFactory(title="Botox basics")
    assert "Elm Road Clinic" in search_page(client, "botox").text
    article.title = "Botox, the basics"
    article.save()
    location.name = "Harbour Street Clinic"
    location.save()
    caches[CACHE_ALIAS].delete(clinic.CACHE_KEY)  # its second has passed
    body = search_page(client, "botox").text
    assert "Botox, the basics" in body
    assert "Harbour Street Clinic" in body


@pytest.mark.parametrize("page", ["0", "-1", "x", "3", "1.5", "999999999", "9" * 40])
def test_a_page_that_does_not_exist_is_404(client, page):
    for n in range(13):
        ArticleFactory(title=f"Peel guide {n}")
    assert search_page(client, "peel", page="2").status_code == 200
    assert "13 articles found" in search_page(client, "peel", page="").text
    assert search_page(client, "peel", page=page).status_code == 404


def test_cards_are_kept_until_their_article_changes():
    assert caches[search.CARDS_CACHE_ALIAS].default_timeout is None


def test_no_match_says_so_kindly(client):
    ArticleFactory(title="Dysport explained")
    body = search_page(client, "sunscreen").content.decode()
    assert "No articles match “sunscreen”." in body
