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


# Staff searches: what was searched for never reaches a log line (review #9).
SEARCHES = ["Lovelace", "ada%40example.com", "%28217%29+544-0142"]


@pytest.mark.parametrize("term", SEARCHES)
@pytest.mark.parametrize(
    "line",
    [
        "GET /admin/booking/appointmentrequest/?q={term} HTTP/1.1",
        "GET /admin/booking/appointment/?status=booked&q={term}&p=2 HTTP/1.1",
        "GET /admin/booking/appointmentrequest/5/change/"
        "?_changelist_filters=q%3D{term} HTTP/1.1",
        '"https://clinic.example/admin/booking/appointmentrequest/?q={term}"',
        "/admin/booking/appointmentrequest/?q={term}",
    ],
)
def test_an_admin_address_is_logged_without_its_query_string(line, term):
    masked = mask(line.format(term=term))
    assert term not in masked
    assert "/admin/booking/appointment" in masked and "?…" in masked


def test_other_query_strings_and_lookalike_paths_are_kept():
    for line in (
        "GET /blog/?q=botox HTTP/1.1",
        "GET /blog/admin/?q=botox HTTP/1.1",
        "https://clinic.example/book/?treatment=botox",
    ):
        assert mask(line) == line


def test_the_admin_path_comes_from_the_settings(settings):
    settings.ADMIN_URL = "back-office-7f3a/"
    masked = mask("GET /back-office-7f3a/booking/appointmentrequest/?q=Lovelace")
    assert "Lovelace" not in masked
    line = "GET /admin/?q=x HTTP/1.1"  # no longer the admin
    assert mask(line) == line


def test_gunicorns_access_log_line_for_an_admin_search_holds_no_search(tmp_path):
    config = Config()
    log_file = tmp_path / "access.log"
    config.set("accesslog", str(log_file))
    # Every field that can carry the address or its query string.
    config.set(
        "access_log_format",
        '%(h)s "%(r)s" %(s)s "%(f)s" %(U)s %(q)s %({query_string}e)s %({raw_uri}e)s',
    )
    logger = GunicornLogger(config)
    query = "q=ada%40example.com"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/admin/booking/appointmentrequest/?{query}",
        "PATH_INFO": "/admin/booking/appointmentrequest/",
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://clinic.example/admin/booking/appointment/?{query}",
        "REMOTE_ADDR": "127.0.0.1",
    }
    response = SimpleNamespace(status="200 OK", sent=100, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = log_file.read_text()
    assert "GET /admin/booking/appointmentrequest/?… HTTP/1.1" in line
    assert "ada%40example" not in line
    assert line.count("?…") == 3 and " … " in line
