"""Helpers for article search: tidy the query, render highlighted snippets."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Private-use characters mark the hits: unlike <mark>, they survive escaping,
# and body_text never contains them (richtext strips them).
MARK_START = "\ue000"
MARK_STOP = "\ue001"
MAX_QUERY_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ue000\ue001]")


def clean_query(raw: str) -> str:
    return " ".join(_CONTROL.sub(" ", raw).split())[:MAX_QUERY_LENGTH]


def highlight(headline: str) -> SafeString:
    """Escape a search headline, then turn only our markers into <mark>."""
    escaped = escape(headline)
    return mark_safe(  # noqa: S308 - everything but our markers is escaped above
        escaped.replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    )
