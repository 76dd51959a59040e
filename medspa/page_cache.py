"""Whole public pages for visitors without a session: home, articles, the
article list, categories, search, and the treatment pages.

Invariant: a page is served from the cache only while the version it was
rendered under is current. The version is blog.cache.site_version(), one query
whose value changes with any article edit, publication or deletion, a publish
time passing, and any change to treatments, categories, reviewers or the
clinic's locations and hours (database triggers), together with the footer's
clinic details as read (at most a second old). Each process reads it at most
every VERSION_SECONDS (a tenth of a second), so an edit shows on every page
within that, no one has to invalidate anything by hand, and a busy site asks
the database for it ten times a second per process instead of on every view
(with its connection health check, two round trips: bench/PERFORMANCE.md,
"11"). One entry per address holds the newest render; a render under an older
version is replaced.

A hit is served before the session, CSRF, authentication and message
middleware run (see MIDDLEWARE): none of them has anything to do for a page
with no form, no session and no message, and skipping them halves the cost of
a hit (bench/PERFORMANCE.md, "11"). Only pages without a form that posts are
listed: their HTML holds no CSRF token and no per-visitor value. A session or
a waiting message makes a page personal: it is rendered fresh, never cached.
A render that sets a cookie is personal too and is not stored.

While the database is down, the newest render of a page is served as it is:
it was current when the database was last reachable, and a patient reading an
article is better served by it than by an error page.

Cached bytes are the first render's, including its CSP nonce wherever the page
used it. That is harmless while these pages have no inline script that runs:
their only inline scripts are JSON-LD data blocks, which browsers never run, so
they carry no nonce. A script added to them must be an external file.
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpResponse
from django.urls import Resolver404, resolve

from blog.cache import site_version
from booking.clinic import clinic_details_version

logger = logging.getLogger(__name__)

PAGE_SECONDS = 300
VERSION_SECONDS = 0.1
# Search results get a cache of their own: visitors choose the queries, and
# must not be able to crowd the articles out.
CACHE_ALIAS = "pages"
SEARCH_CACHE_ALIAS = "searches"
CACHED_VIEWS = {
    "home": CACHE_ALIAS,
    "blog:detail": CACHE_ALIAS,
    "blog:index": CACHE_ALIAS,
    "blog:category": CACHE_ALIAS,
    "blog:search": SEARCH_CACHE_ALIAS,
    "booking:treatment-list": CACHE_ALIAS,
    "booking:treatment-detail": CACHE_ALIAS,
}
PERSONAL_COOKIES = {settings.SESSION_COOKIE_NAME, "messages"}


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        alias = self._cache_alias(request)
        if alias is None:
            return self.get_response(request)
        cache = caches[alias]
        key = (
            "page:"
            + hashlib.sha256(
                repr(
                    (request.scheme, request.get_host(), request.get_full_path())
                ).encode()
            ).hexdigest()
        )
        try:
            # Read before the page is rendered: a change made meanwhile leaves
            # the render stored under the old version, never served as current.
            version = self._version()
        except DatabaseError:
            stored = cache.get(key)
            if stored is None:
                raise
            logger.warning("Database unreachable: served %s from the page cache", key)
            return self._response(stored)
        stored = cache.get(key)
        if stored is not None and stored[0] == version:
            return self._response(stored)
        # The view may key pieces of the page by it (blog.views.SearchView).
        request.page_version = version
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
        ):
            cache.set(
                key,
                (version, response.content, response["Content-Type"]),
                PAGE_SECONDS,
            )
        return response

    _version_read: tuple[float, tuple] = (float("-inf"), ())

    def _version(self) -> tuple:
        read_at, version = self._version_read
        now = time.monotonic()
        if now - read_at >= VERSION_SECONDS:
            version = (site_version(), clinic_details_version())
            self._version_read = (now, version)
        return version

    @staticmethod
    def _response(stored) -> HttpResponse:
        _version, content, content_type = stored
        response = HttpResponse(content, content_type=content_type)
        # CommonMiddleware, which would add it, sits below and is skipped.
        response["Content-Length"] = len(content)
        return response

    @staticmethod
    def _cache_alias(request) -> str | None:
        if request.method not in ("GET", "HEAD") or (
            request.COOKIES.keys() & PERSONAL_COOKIES
        ):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        return CACHED_VIEWS.get(match.view_name)
