"""HTTP-level helpers shared by booking's views, admin and templates: who the
client is, where the patient came from, and the booking link's query string."""

import functools
import ipaddress
import re
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.urls import reverse

SAFE_PATH = re.compile(r"^/[A-Za-z0-9/_\-.]{0,199}$")
# The booking link contract: ?treatment=<slug>&article=<slug>. Pages link with
# booking_url(); the request form reads the same names back
# (booking_link_initial), and old /book/?treatment=… links are sent on by
# booking.views.online.booking_start.
TREATMENT_PARAM = "treatment"
ARTICLE_PARAM = "article"
MAX_SLUG_LENGTH = 200


def _parse_ip(value: str) -> str | None:
    """A plain IP address from a header value, or None.

    Proxies write "1.2.3.4:5678", "[2001:db8::1]:443" or "[::1]"; anything that
    still does not parse is not an address we can store or rate-limit on.
    """
    value = value.strip()
    if value.startswith("["):
        value = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is still that IPv4 client.
    return str(getattr(address, "ipv4_mapped", None) or address)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is one of our own proxies
    (settings.TRUSTED_PROXIES); then X-Forwarded-For is read from the right,
    past every entry that is also one of them.

    Only a trusted proxy's word is taken, so a client talking to gunicorn
    directly cannot name itself whatever it likes (one new address per post
    would escape the booking rate limit). An entry that is not an address stops
    the walk at the proxy that wrote it, so a misbehaving proxy can never turn
    an audited admin page into an error.
    """
    address = _parse_ip(request.META.get("REMOTE_ADDR", ""))
    forwarded = request.headers.get("X-Forwarded-For", "").split(",")
    for entry in reversed(forwarded):
        if address is None or not _is_trusted_proxy(address):
            break
        previous_hop = _parse_ip(entry)
        if previous_hop is None:
            break
        address = previous_hop
    return address


def _is_trusted_proxy(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def safe_source_path(value: str) -> str:
    """A same-site path without query string, or "" (it must never carry PHI)."""
    value = (value or "").split("?", 1)[0].split("#", 1)[0]
    return value if SAFE_PATH.match(value) else ""


def booking_url(*, treatment=None, article=None, article_slug: str = "") -> str:
    """Where a page's "Book" button leads: the treatment's free times when it is
    bookable online, otherwise the request form with the treatment preselected;
    either way crediting the article the patient came from."""
    article_slug = article.slug if article is not None else article_slug
    if treatment is None or not treatment.is_bookable_online:
        return request_form_url(treatment=treatment, article_slug=article_slug)
    url = reverse("booking:availability", kwargs={"slug": treatment.slug})
    return f"{url}?{urlencode({ARTICLE_PARAM: article_slug})}" if article_slug else url


def request_form_url(*, treatment=None, article_slug: str = "") -> str:
    """The request form, the treatment preselected and the article credited."""
    query = {TREATMENT_PARAM: treatment.slug} if treatment is not None else {}
    if article_slug:
        query[ARTICLE_PARAM] = article_slug
    url = reverse("booking:request")
    return f"{url}?{urlencode(query)}" if query else url


def booking_link_initial(request) -> dict[str, str]:
    """Read booking_url()'s query and the referring page into form initial data.

    Only slugs and a same-site path are taken; the form checks them again.
    """
    treatment = request.GET.get(TREATMENT_PARAM, "")[:MAX_SLUG_LENGTH]
    initial = {"source_article": request.GET.get(ARTICLE_PARAM, "")[:MAX_SLUG_LENGTH]}
    if treatment:
        initial["treatment"] = treatment
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc == request.get_host():
        initial["source_path"] = safe_source_path(referer.path)
    elif treatment:
        initial["source_path"] = safe_source_path(
            reverse("booking:treatment-detail", kwargs={"slug": treatment})
            if re.fullmatch(r"[-a-zA-Z0-9_]+", treatment)
            else ""
        )
    return initial


def origin_only_referrer(view):
    """For pages opened by a secret in their URL: the browser sends that URL to
    nobody, not even to this site's own stylesheet (Referer headers end up in
    logs), whatever the site-wide Referrer-Policy. "strict-origin" sends the
    site's address alone; "no-referrer" would also blank the Origin of the
    page's own forms, which the CSRF check then refuses."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "strict-origin"
        return response

    return wrapper
