"""Old addresses answer 301 with a page of this site (blog.Redirect).

The redirect table is read only when a page is not found, so every page that
exists costs nothing extra; a 404 costs one lookup on the unique old_path index.
"""

import logging
import re
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from blog.models import Redirect

logger = logging.getLogger(__name__)

# WordPress's "plain" addresses (/?p=123, /?page_id=7, /?cat=3) land on our home
# page, which answers any query string, so they never 404: they are looked up
# when the home page is asked for with one of these keys.
WORDPRESS_QUERY_KEYS = ("p", "page_id", "cat")
# A path on this site: one leading slash, then no slash or backslash (which
# browsers read as "//", another host), no whitespace or control characters.
ON_SITE_PATH = re.compile(r"^/(?![/\\])[^\s\\\x00-\x1f\x7f]*$")


def is_on_site_path(target: str) -> bool:
    """Return True if `target` is a path on this site, never another host."""
    return bool(ON_SITE_PATH.match(target)) and url_has_allowed_host_and_scheme(
        target, allowed_hosts=set()
    )


def candidate_paths(request: HttpRequest, *, not_found: bool) -> list[str]:
    """The old_path values that may name this request, best match first."""
    path = request.path
    candidates = [request.get_full_path()]
    candidates += [
        f"{path}?{urlencode({key: request.GET[key]})}"
        for key in WORDPRESS_QUERY_KEYS
        if request.GET.get(key)
    ]
    if not_found:
        toggled = path.removesuffix("/") if path.endswith("/") else f"{path}/"
        candidates += [path, toggled]
    return list(dict.fromkeys(c for c in candidates if c))


def find_redirect(candidates: list[str]) -> Redirect | None:
    """Return the redirect for the first candidate that has one (one query)."""
    found = {
        redirect.old_path: redirect
        for redirect in Redirect.objects.filter(old_path__in=candidates)
    }
    return next((found[c] for c in candidates if c in found), None)


class RedirectMiddleware:
    """Answer 301 for an old address (a Redirect's old_path) that would be a 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return response
        not_found = response.status_code == 404
        wordpress_query = request.path == "/" and any(
            request.GET.get(key) for key in WORDPRESS_QUERY_KEYS
        )
        if not (not_found or wordpress_query):
            return response
        redirect = find_redirect(candidate_paths(request, not_found=not_found))
        if redirect is None or redirect.new_path == request.get_full_path():
            return response
        if not is_on_site_path(redirect.new_path):
            # The table's constraint and admin form refuse these; never send a
            # visitor off-site even if a row got past them.
            logger.warning("Refused off-site redirect %s", redirect.pk)
            return response
        return HttpResponsePermanentRedirect(redirect.new_path)
