"""The version of everything the public pages show, for the page cache
(medspa.page_cache).

It is site-wide, not per page: an article page also lists related articles and
the list pages show many, so a version of one article would keep serving a list
that links to a withdrawn one. It changes with any article edit,
(un)publication or deletion, when an article reaches its publish time, and with
any change to what else pages show (treatments, categories, reviewers, the
clinic's locations and hours: blog.ContentVersion, raised by database triggers).
Bookings never touch it, so the cached pages survive them.

site_version() is raw SQL, compiled from ORM queries once per process. It runs
on every cached page view, where compiling the QuerySets each time would cost
more than running the query (bench/PERFORMANCE.md, "05").
"""

import functools

from django.db import connections, models, router

from blog.models import Article, ContentVersion, public_q


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
    in one query of index lookups."""
    sql, params = _site_version_sql()
    with connections[router.db_for_read(Article)].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return "|".join(str(part).replace(" ", "T") for part in row or ())
