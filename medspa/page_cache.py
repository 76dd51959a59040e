"""Whole public pages for visitors without a session: home, the article list,
categories, search, and the treatment pages.

Each page is cached under its address and blog.cache.site_version(), one query
whose value changes with any article edit, publication or deletion, a publish
time passing, and any change to treatments, categories, reviewers or the
clinic's locations and hours (database triggers). So an edit shows on every
page at the next request and nothing is ever invalidated by hand; superseded
pages just expire. (Article pages have their own cache, blog.cache.) The key
also holds the footer's clinic details as they were read (at most a second
old), so a page rendered just before they were reloaded is not served after.

Only pages without a form that posts are listed: their HTML holds no CSRF
token and no per-visitor value. A session or a waiting message makes a page
personal, as for articles: it is rendered fresh, never cached.
"""

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse

from blog.cache import site_version
from booking.clinic import clinic_details_version

CACHE_ALIAS = "pages"
PAGE_SECONDS = 300
CACHED_VIEWS = {
    "home",
    "blog:index",
    "blog:category",
    "blog:search",
    "booking:treatment-list",
    "booking:treatment-detail",
}


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not self._cacheable(request):
            return None
        request.page_cache_key = (
            "page:"
            + hashlib.sha256(
                repr(
                    (
                        request.scheme,
                        request.get_host(),
                        request.get_full_path(),
                        site_version(),
                        clinic_details_version(),
                    )
                ).encode()
            ).hexdigest()
        )
        cached = caches[CACHE_ALIAS].get(request.page_cache_key)
        if cached is None:
            return None
        content, content_type = cached
        return HttpResponse(content, content_type=content_type)

    def process_template_response(self, request, response):
        key = getattr(request, "page_cache_key", None)
        if key is not None and response.status_code == 200:
            response.add_post_render_callback(
                lambda rendered: caches[CACHE_ALIAS].set(
                    key, (rendered.content, rendered["Content-Type"]), PAGE_SECONDS
                )
            )
        return response

    @staticmethod
    def _cacheable(request) -> bool:
        match = request.resolver_match
        return (
            request.method in ("GET", "HEAD")
            and match is not None
            and match.view_name in CACHED_VIEWS
            and not request.COOKIES.keys() & {settings.SESSION_COOKIE_NAME, "messages"}
        )
