"""Article search: tidy the query, find a page of public articles, render their
cards with the query's words marked in each excerpt.

Cost matters here: a query no one asked before misses every page cache, and in
a large library most articles can match a common query ("botox side effects").
Measured and explained in bench/PERFORMANCE.md, "13".
"""

import dataclasses
import datetime
import re

from django.core.cache import caches
from django.db import connections, router
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from blog.models import Article

# Private-use characters mark the hits: unlike <mark>, they survive escaping,
# and excerpts lose them before marking (blog_search_page()). Queries lose all
# private-use characters: pages use some to mark where a query goes.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
MAX_QUERY_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000-\uf8ff]")

# A result shows its excerpt (the summary, or the text's opening) with the
# query's words marked. ts_headline parses all the text it is given: an
# excerpt is short, where passages picked from the whole text cost ~2 ms a
# result (bench/PERFORMANCE.md, "12").
HEADLINE_OPTIONS = f"StartSel={MARK_START}, StopSel={MARK_STOP}, HighlightAll=true"
CARDS_CACHE_ALIAS = "cards"
# Where a result's marked excerpt goes in its cached card. Escaped text can never
# contain it: every "<" from an article or a query is escaped.
_SNIPPET_SLOT = "<!--snippet-->"


@dataclasses.dataclass(frozen=True)
class Hit:
    pk: int
    updated_at: datetime.datetime
    # The article's excerpt, the query's words between MARK_START and MARK_STOP.
    headline: str


@dataclasses.dataclass(frozen=True)
class ResultPage:
    hits: list[Hit]
    # How many public articles match in all; 0 when the page is past the end.
    total: int


def clean_query(raw: str) -> str:
    return " ".join(_CONTROL.sub(" ", raw).split())[:MAX_QUERY_LENGTH]


def highlight(headline: str) -> SafeString:
    """Escape a search headline, then turn only our markers into <mark>."""
    escaped = escape(headline)
    return mark_safe(  # noqa: S308 - everything but our markers is escaped above
        escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )


def find(query: str, *, offset: int, limit: int) -> ResultPage:
    """The public articles matching a web-search-style query (quotes, "or",
    "-word"), best match first, from `offset`, at most `limit` of them: one
    query. An empty query, or one of only common words, matches none."""
    if not query:
        return ResultPage(hits=[], total=0)
    with connections[router.db_for_read(Article)].cursor() as cursor:
        # A database function, made by migration blog 0013 (why: there).
        cursor.execute(
            "SELECT * FROM blog_search_page(%s, %s, %s, %s)",
            [query, limit, offset, HEADLINE_OPTIONS],
        )
        rows = cursor.fetchall()
    return ResultPage(
        hits=[Hit(pk, updated_at, headline) for pk, updated_at, _, headline in rows],
        total=rows[0][2] if rows else 0,
    )


def result_cards(hits: list[Hit]) -> SafeString:
    """The hits' cards (blog/includes/article_card.html), one after another,
    each with its marked excerpt.

    A card is rendered once per article and edit and kept per process, so a
    page of results costs one cache read instead of a dozen template renders.
    updated_at moves with every change a card shows: a save sets it, and code
    that updates articles through a queryset sets it too (blog.reviews,
    blog.wordpress, the admin's actions), as the page cache needs anyway.
    """
    cache = caches[CARDS_CACHE_ALIAS]
    keys = {hit.pk: f"card:{hit.pk}:{hit.updated_at.isoformat()}" for hit in hits}
    cards = cache.get_many(keys.values())
    missing = [pk for pk, key in keys.items() if key not in cards]
    if missing:
        template = get_template("blog/includes/article_card.html")
        rendered = {
            keys[article.pk]: template.render(
                {
                    "article": article,
                    "heading": "h2",
                    "lazy": True,
                    "show_excerpt": True,
                    "snippet": mark_safe(_SNIPPET_SLOT),  # noqa: S308 - a constant
                }
            )
            for article in Article.objects.filter(pk__in=missing).for_cards()
        }
        cache.set_many(rendered)
        cards.update(rendered)
    return mark_safe(  # noqa: S308 - cards are a template's output; highlight escapes
        "".join(
            cards[keys[hit.pk]].replace(_SNIPPET_SLOT, highlight(hit.headline), 1)
            for hit in hits
            if keys[hit.pk] in cards
        )
    )
