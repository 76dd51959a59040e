"""Article search: tidy the query, find a page of public articles, render their
cards with highlighted passages.

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

from blog.models import Article, ArticleStatus

# Private-use characters mark the hits: unlike <mark>, they survive escaping,
# and body_text never contains them (richtext strips them). Queries lose all
# private-use characters: pages use some to mark where a query goes.
MARK_START = "\ue000"
MARK_STOP = "\ue001"
MAX_QUERY_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000-\uf8ff]")

# A result shows its excerpt (the summary, or the text's opening) with the
# query's words marked: ts_headline parses all it is given, and an excerpt is
# short (Article.excerpt), ~0.04 ms a result.
HEADLINE_OPTIONS = f"StartSel={MARK_START}, StopSel={MARK_STOP}, HighlightAll=true"
CARDS_CACHE_ALIAS = "cards"
# Where a result's marked excerpt goes in its cached card. Escaped text can never
# contain it: every "<" from an article or a query is escaped.
_SNIPPET_SLOT = "<!--snippet-->"

# Title hits rank above summary hits (rank_vector's weights), then the newest
# first; an article that matches only in its text ranks by date.
#
# The full-text condition stands alone in the innermost query, kept apart by
# OFFSET 0 (the planner never merges such a subquery into its parent), so
# that the GIN index is the one way to find the rows; the sequential scan is
# switched off for the statement (find()). The planner prices a sequential scan by
# the pages it reads, not by the article vectors it would decompress to test
# each row, so when most articles match it picks a plan several times slower
# than the index's. The window count comes with the page: the paginator costs
# no query. Headlines are made for the page's rows only, after the LIMIT.
_PAGE_SQL = """
SELECT page.id, page.updated_at, page.total,
       ts_headline('english', article.excerpt,
                   websearch_to_tsquery('english', %(query)s), %(headline_options)s)
FROM (
    SELECT id, updated_at, rank, published_at, count(*) OVER () AS total
    FROM (
        SELECT id, status, published_at, updated_at, ts_rank(rank_vector, query) AS rank
        FROM blog_article, websearch_to_tsquery('english', %(query)s) AS query
        WHERE search_vector @@ query
        OFFSET 0
    ) AS matches
    WHERE status = %(published)s AND published_at <= statement_timestamp()
    ORDER BY rank DESC, published_at DESC, id DESC
    LIMIT %(limit)s OFFSET %(offset)s
) AS page
JOIN blog_article AS article ON article.id = page.id
ORDER BY page.rank DESC, page.published_at DESC, page.id DESC
"""


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
    params = {
        "query": query,
        "published": ArticleStatus.PUBLISHED,
        "limit": limit,
        "offset": offset,
        "headline_options": HEADLINE_OPTIONS,
    }
    with connections[router.db_for_read(Article)].cursor() as cursor:
        # One round trip: Django binds the parameters on the client, so both
        # statements go as one simple query, which PostgreSQL runs as one
        # transaction; the SET LOCAL lasts for it (bench/PERFORMANCE.md, "13").
        cursor.execute("SET LOCAL enable_seqscan = off;" + _PAGE_SQL, params)
        cursor.nextset()
        rows = cursor.fetchall()
    return ResultPage(
        hits=[Hit(pk, updated_at, headline) for pk, updated_at, _, headline in rows],
        total=rows[0][2] if rows else 0,
    )


def result_cards(hits: list[Hit]) -> SafeString:
    """The hits' cards (blog/includes/article_card.html), one after another,
    each with its marked excerpt.

    A card is rendered once per article and edit (updated_at moves with every
    change a card shows) and kept per process, so a page of results costs one
    cache read instead of a dozen template renders.
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
            for article in Article.objects.filter(pk__in=missing).for_listing()
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
