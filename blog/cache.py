"""The article page cache: whole rendered pages for visitors without a session.

Invariant: a page is cached under its article and page_version(), a version of
the whole site's articles that changes with any article edit, (un)publication or
deletion, and when an article reaches its publish time, and with any change to
what else the page shows (treatments, categories, reviewers, the clinic's
locations and hours: blog.ContentVersion, raised by database triggers). An
article page also
lists related articles, so a version of the one article would keep serving a
related list that links to a withdrawn article; with the site-wide version a
cached page, related list included, is never stale, and nothing ever has to be
invalidated: superseded pages just expire.

page_version() is raw SQL, compiled from an ORM query once per process. It runs
on every cached page view, where compiling the QuerySet each time would cost
more than running the query (bench/PERFORMANCE.md, "05").

Cached bytes are the first render's, including its CSP nonce wherever the page
used it. That is harmless as long as the article page has no inline script that
runs: its only inline scripts are JSON-LD data blocks, which browsers never run,
so they carry no nonce. A script added to the page must be an external file.
"""

import functools

from django.conf import settings
from django.core.cache import caches
from django.db import connections, models, router
from django.http import Http404, HttpResponse

from blog.models import Article, ContentVersion, public_q
from booking.clinic import clinic_details_version

CACHE_ALIAS = "fragments"
PAGE_SECONDS = 300


def _site_version_parts() -> dict[str, models.QuerySet]:
    """What the site-wide version is made of, one single-value query each: the
    newest article edit, the newest publication that has come, the number of
    articles, and the content version (what pages show besides articles)."""
    articles = Article.objects.order_by()
    return {
        "last_edit": articles.order_by("-updated_at").values("updated_at")[:1],
        "last_publication": articles.filter(public_q())
        .order_by("-published_at")
        .values("published_at")[:1],
        "article_count": articles.values(n=models.Func("pk", function="COUNT")),
        "content_version": ContentVersion.objects.filter(pk=1).values("value")[:1],
    }


@functools.cache
def _page_version_sql() -> tuple[str, list, int]:
    """Return the compiled query, its parameters and where the slug goes in them."""
    marker = "\x00slug"
    parts = {
        name: models.Subquery(part) for name, part in _site_version_parts().items()
    }
    query = (
        Article.objects.published()
        .filter(slug=marker)
        .annotate(**parts)
        .values_list("pk", "updated_at", *parts)[:1]
    ).query
    sql, params = query.sql_with_params()
    return sql, list(params), params.index(marker)


@functools.cache
def _site_version_sql() -> tuple[str, list]:
    """One SELECT of the parts' subqueries, with no table of its own: a row
    comes back even while a table the parts read is empty."""
    selects, params = [], []
    for part in _site_version_parts().values():
        sql, part_params = part.query.sql_with_params()
        selects.append(f"({sql})")
        params.extend(part_params)
    return "SELECT " + ", ".join(selects), params


def site_version() -> str:
    """The version of everything public pages show (see the module docstring),
    in one query of index lookups; every list, category, search, home and
    treatment page is cached under it (medspa.page_cache)."""
    sql, params = _site_version_sql()
    with connections[router.db_for_read(Article)].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return "|".join(str(part).replace(" ", "T") for part in row or ())


def page_version(slug: str) -> tuple[int, str] | None:
    """Return (pk, version) of the public article `slug`, or None if there is none.

    One query, made of index lookups: the newest edit, the newest publication
    that has come, the number of articles and the content version, so an edit
    (of an article or of what its page shows), a publication, a deletion or a
    publish time passing each gives a new version.
    """
    sql, params, slug_index = _page_version_sql()
    params = [*params]
    params[slug_index] = slug
    with connections[router.db_for_read(Article)].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, *parts = row
    return pk, "|".join(str(part).replace(" ", "T") for part in parts)


def cached_public_page(view):
    """Serve the article page at `slug` from the cache (see the module docstring).

    Decorate the view's get(): a 404 for anything not public comes before the
    view runs, and a cache hit never reaches it, so its get_queryset() matters
    only for visitors with a session (staff previews) and on a miss.
    """

    @functools.wraps(view)
    def wrapper(request, *args, slug, **kwargs):
        # A session (staff previewing a draft) or a flash message waiting to be
        # shown makes the page personal: render it fresh, never cache it.
        if request.COOKIES.keys() & {settings.SESSION_COOKIE_NAME, "messages"}:
            return view(request, *args, slug=slug, **kwargs)
        found = page_version(slug)
        if found is None:
            raise Http404
        pk, version = found
        # The footer's clinic details too (at most a second old): a page
        # rendered just before they were reloaded is not served after.
        key = (
            f"article:{request.scheme}:{request.get_host()}:{pk}:{version}:"
            f"{clinic_details_version()}"
        )
        html = caches[CACHE_ALIAS].get(key)
        if html is not None:
            return HttpResponse(html)
        response = view(request, *args, slug=slug, **kwargs)
        response.render()
        if response.status_code == 200:
            caches[CACHE_ALIAS].set(key, response.content, PAGE_SECONDS)
        return response

    return wrapper
