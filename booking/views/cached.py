"""Booking pages with a form, served from a per-process cache.

The public pages without a form are cached whole (medspa.page_cache). A form
that posts carries per-visitor values: the CSRF token and, on the request
form, the signed form token with its render time (booking.forms). They are cut
out when a page is stored and put back, the visitor's own CSRF token and a
freshly issued form token, when it is served, so a cached page posts exactly
like a fresh one. This runs inside the CSRF middleware, which then sets the
visitor's CSRF cookie as for any page.

Invariant: a stored page is served only while the version it was rendered
under is current, and only to visitors without a session or a waiting message
(a page for them is personal and always rendered fresh). A page that offers no
times may let each process keep its version for VERSION_SECONDS, as the pages
without a form do (medspa.page_cache); the times page reads it on every view,
so a taken time is never offered.
"""

import functools
import hashlib
import re
import time
from collections.abc import Callable, Hashable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token

from booking.forms import issue_form_token

CSRF_PLACEHOLDER = "\x00csrf\x00"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
FORM_TOKEN_PLACEHOLDER = "\x00form-token\x00"
FORM_TOKEN_INPUT = re.compile(r'name="form_token" value="[^"]*"')
VERSION_SECONDS = 0.1


def _stored_html(content: bytes) -> str:
    html = CSRF_INPUT.sub(
        f'name="csrfmiddlewaretoken" value="{CSRF_PLACEHOLDER}"', content.decode()
    )
    return FORM_TOKEN_INPUT.sub(
        f'name="form_token" value="{FORM_TOKEN_PLACEHOLDER}"', html
    )


def _served_html(request, html: str) -> str:
    html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    if FORM_TOKEN_PLACEHOLDER in html:
        html = html.replace(FORM_TOKEN_PLACEHOLDER, issue_form_token())
    return html


def cached_form_page(
    *,
    alias: str,
    seconds: int,
    key: Callable[..., Hashable],
    version: Callable[[], Hashable],
    version_may_lag: bool = False,
):
    """Cache a view's GET responses for visitors without a session.

    `key(request, *args, **kwargs)` names the page (scheme and host are added);
    `version()` is read before the page is rendered, so a change made meanwhile
    leaves the render stored under the old version, never served as current.
    With `version_may_lag`, each process reads it at most every VERSION_SECONDS.
    """
    version_read = [float("-inf"), None]

    def current_version():
        now = time.monotonic()
        if not version_may_lag or now - version_read[0] >= VERSION_SECONDS:
            version_read[:] = [now, version()]
        return version_read[1]

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            personal = request.COOKIES.keys() & {
                settings.SESSION_COOKIE_NAME,
                "messages",
            }
            if request.method != "GET" or personal:
                return view(request, *args, **kwargs)
            parts = (request.scheme, request.get_host(), key(request, *args, **kwargs))
            cache_key = "form-page:" + hashlib.sha256(repr(parts).encode()).hexdigest()
            cache = caches[alias]
            current = current_version()
            cached = cache.get(cache_key)
            if cached is not None and cached[0] == current:
                return HttpResponse(_served_html(request, cached[1]))
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if response.status_code == 200:
                cache.set(cache_key, (current, _stored_html(response.content)), seconds)
            return response

        return wrapper

    return decorator
