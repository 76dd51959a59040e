"""Patients' secret links never reach a log line (medspa/secret_links.py)."""

import datetime
import logging
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from medspa.secret_links import GunicornLogger, MaskSecretLinks, mask

SECRET = "Lq3qBw5x3z-tE0Fb0277eP6Tl7jQ7tWkJ6yv6RbBhFA"


@pytest.mark.parametrize(
    "path",
    [
        f"/book/manage/{SECRET}/",
        f"/book/manage/{SECRET}/move/?week=2026-12-07",
        f"/book/waitlist/{SECRET}/?start=2026-12-07T14:00:00%2B00:00",
        f"/book/unsubscribe/{SECRET}/",
    ],
)
def test_the_secret_is_masked_and_the_rest_kept(path):
    masked = mask(f"GET {path} HTTP/1.1")
    assert SECRET not in masked
    assert masked.startswith("GET /book/") and "…" in masked


def test_other_paths_are_untouched():
    line = "GET /book/botox/?week=2026-12-07 HTTP/1.1"
    assert mask(line) == line


def test_gunicorns_access_log_masks_request_line_path_and_referrer():
    logger = GunicornLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/book/manage/{SECRET}/",
        "PATH_INFO": f"/book/manage/{SECRET}/",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://clinic.example/book/manage/{SECRET}/move/",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=100, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(response, request, environ, datetime.timedelta(milliseconds=5))
    assert not [key for key, value in atoms.items() if SECRET in str(value)]
    assert atoms["s"] == "200"


def test_the_gunicorn_config_uses_it():
    import runpy
    from pathlib import Path

    config = runpy.run_path(
        str(Path(__file__).resolve().parent.parent / "medspa" / "gunicorn.conf.py")
    )
    assert config["logger_class"] == "medspa.secret_links.GunicornLogger"


@pytest.mark.django_db
def test_djangos_not_found_line_is_masked(client, monkeypatch):
    """The handler configured in settings masks what Django logs."""
    (handler,) = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, MaskSecretLinks) for f in handler.filters)
    ]
    records = []
    monkeypatch.setattr(handler, "emit", records.append)  # what it would print
    client.get(f"/book/manage/{SECRET}/")
    lines = [handler.format(record) for record in records if handler.filter(record)]
    assert any("Not Found: /book/manage/…/" in line for line in lines), lines
    assert not any(SECRET in line for line in lines)
