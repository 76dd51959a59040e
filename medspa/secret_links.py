"""Keep patients' secret links and staff searches out of the logs.

The manage, waitlist and unsubscribe pages are opened by a secret in their
path (/book/manage/<secret>/ …). Whoever reads a log line holding one could
open the page, so gunicorn's access log and Django's own log lines (e.g. "Not
Found: /book/manage/…") show the secret as "…".

The admin's query strings carry what staff searched for (?q=Lovelace, a phone
number, an email, also inside ?_changelist_filters=), so an admin address is
logged with its query string as "?…", wherever it appears: the request line,
the referrer, and gunicorn's query-string fields.
"""

import functools
import logging
import re

from django.conf import settings
from gunicorn import glogging

SECRET_IN_PATH = re.compile(r"(/book/(?:manage|waitlist|unsubscribe)/)[^/?#\s\"']+")


@functools.cache
def _admin_query(admin_url: str) -> re.Pattern:
    # The admin's path at the start of a path: after the start of the text, a
    # space or quote (a request line) or a host (a referrer), never inside a
    # longer path.
    return re.compile(
        rf"(^|[\s\"']|//[^/\s\"']*)(/{re.escape(admin_url)}[^?#\s\"']*)\?[^#\s\"']*"
    )


def is_admin_path(path: str) -> bool:
    return path.startswith(f"/{settings.ADMIN_URL}")


def mask(text: str) -> str:
    text = SECRET_IN_PATH.sub(r"\1…", text)
    return _admin_query(settings.ADMIN_URL).sub(r"\1\2?…", text)


class MaskSecretLinks(logging.Filter):
    """A logging filter for Django's handlers."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with every access-log field masked (request line,
    path, query string, referrer and headers alike)."""

    # The query string alone, without a path for mask() to recognise.
    QUERY_STRING_ATOMS = ("q", "{query_string}e")

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        if is_admin_path(environ.get("PATH_INFO", "")):
            for key in self.QUERY_STRING_ATOMS:
                if atoms.get(key):
                    atoms[key] = "…"
        return {
            key: mask(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
