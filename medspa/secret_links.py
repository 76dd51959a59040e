"""Keep patients' secret links out of the logs.

The manage, waitlist and unsubscribe pages are opened by a secret in their
path (/book/manage/<secret>/ …). Whoever reads a log line holding one could
open the page, so gunicorn's access log and Django's own log lines (e.g. "Not
Found: /book/manage/…") show the secret as "…".
"""

import logging
import re

from gunicorn import glogging

SECRET_IN_PATH = re.compile(r"(/book/(?:manage|waitlist|unsubscribe)/)[^/?#\s\"']+")


def mask(text: str) -> str:
    return SECRET_IN_PATH.sub(r"\1…", text)


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
    path, referrer and headers alike)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask(value) if isinstance(value, str) else value
            for key, value in atoms.items()
        }
