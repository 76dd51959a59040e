"""deploy/nginx.conf, run by the real nginx in front of a live Django: every
promise the file and README's "Front proxy" make, checked over the wire."""

import gzip
import http.client
import json
import re
import socket
import ssl
import time
import uuid
import warnings

import pytest
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.test import override_settings
from django.test.testcases import LiveServerThread
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from booking.http import client_ip
from deploy import nginx_local


def echo(request):
    return JsonResponse(
        {
            "secure": request.is_secure(),
            "client_ip": client_ip(request),
            "host": request.get_host(),
        }
    )


def fresh(request):
    """A page nginx may cache: each rendering differs, so a copy shows."""
    return HttpResponse(f"rendered {uuid.uuid4()}")


def marked(directive):
    def view(request):
        response = fresh(request)
        response["Cache-Control"] = directive
        return response

    return view


def sets_cookie(request):
    response = fresh(request)
    response.set_cookie("csrftoken", "a-visitor-secret")
    return response


def with_csrf_token(request):
    return HttpResponse(f"<input name=csrfmiddlewaretoken value={get_token(request)}>")


# The project's own URLs, plus pages that isolate one behaviour of the proxy
# (under /book/ and the admin path, so that it is nginx that keeps them out of
# the cache, not only Django's never_cache).
urlpatterns = [
    path("nginx-test/echo/", echo),
    path("nginx-test/fresh/", fresh),
    path("nginx-test/no-store/", marked("no-store")),
    path("nginx-test/private/", marked("private")),
    path("nginx-test/set-cookie/", sets_cookie),
    path("nginx-test/form/", with_csrf_token),
    path("book/nginx-test/", fresh),
    path("admin/nginx-test/", csrf_exempt(fresh)),
    path("", include("medspa.urls")),
]


@pytest.fixture(scope="module")
def django_server(django_db_setup, django_db_blocker):
    """The site on a free port, on the test database, outside any test's
    transaction as gunicorn would be (so no test pays for a flush: nothing here
    writes), with production's proxy settings (medspa/settings.py, DEBUG off)."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            ROOT_URLCONF=__name__,
            SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
        ),
    ):
        thread = LiveServerThread("127.0.0.1", static_handler=lambda app: app)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"127.0.0.1:{thread.port}"
        thread.terminate()


@pytest.fixture(scope="module")
def front(django_server, tmp_path_factory):
    """nginx with deploy/nginx.conf in front of the site."""
    root = tmp_path_factory.mktemp("nginx")
    static, media = root / "static", root / "media"
    (static / "css").mkdir(parents=True)
    stylesheet = "body { margin: 0; padding: 0; color: #222; }\n" * 20
    (static / "css" / "site.0123456789ab.css").write_text(stylesheet)
    (static / "css" / "site.css").write_text(stylesheet)
    (media / "articles").mkdir(parents=True)
    (media / "articles" / "photo.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    prefix = root / "prefix"
    prefix.mkdir()
    try:
        site = nginx_local.Site(
            upstream=django_server,
            static_root=static,
            media_root=media,
            http_port=nginx_local.free_port(),
            https_port=nginx_local.free_port(),
        )
        main = nginx_local.render(site, prefix)
        server = nginx_local.start(site, main)
    except RuntimeError as error:
        pytest.fail(str(error))
    yield site, main
    nginx_local.stop(server)


# Visitors come from another address than nginx's own (127.0.0.1, which
# DJANGO_TRUSTED_PROXIES trusts by default), as they do in production.
VISITOR = "127.0.0.2"


def connect(front, *, https=True):
    site, main = front
    if not https:
        return http.client.HTTPConnection(
            site.server_name, site.http_port, timeout=10, source_address=(VISITOR, 0)
        )
    context = ssl.create_default_context(cafile=main.parent / "cert.pem")
    return http.client.HTTPSConnection(
        site.server_name,
        site.https_port,
        context=context,
        timeout=10,
        source_address=(VISITOR, 0),
    )


def request(front, method, path, *, https=True, headers=None, body=None):
    connection = connect(front, https=https)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    content = response.read()
    connection.close()
    return response, content


def get(front, path, **kwargs):
    return request(front, "GET", path, **kwargs)


def announce_body(front, path, size):
    """POST only the headers of a body of size bytes: nginx answers a body
    over its limit at once, without reading it."""
    connection = connect(front)
    connection.putrequest("POST", path)
    connection.putheader("Content-Type", "application/x-www-form-urlencoded")
    connection.putheader("Content-Length", str(size))
    connection.endheaders()
    response = connection.getresponse()
    connection.close()
    return response.status


def cache_statuses(front, path, times=2, **kwargs):
    return [
        get(front, path, **kwargs)[0].getheader("X-Cache-Status") for _ in range(times)
    ]


def unique(path):
    return f"{path}?n={uuid.uuid4().hex}"


def test_the_configuration_passes_nginx_t_without_warnings(front):
    checked = nginx_local.check(front[1])
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr and "[emerg]" not in checked.stderr


def test_plain_http_is_redirected_to_https_with_path_and_query(front):
    response, _ = get(front, "/articles/?page=2", https=False)
    assert response.status == 301
    assert response.getheader("Location") == "https://127.0.0.1/articles/?page=2"


def test_healthz_answers_over_plain_http_from_django(front):
    response, body = get(front, "/healthz", https=False)
    assert response.status == 200
    assert json.loads(body)["status"] == "ok"


def test_only_tls_1_2_and_newer_are_accepted(front):
    site, _ = front
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = ssl.TLSVersion.TLSv1_1
    results = {}
    for version in (old, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        # Let this client offer what the server must refuse.
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = context.maximum_version = version
        try:
            with context.wrap_socket(
                socket.create_connection(("127.0.0.1", site.https_port))
            ) as tls:
                results[version] = tls.version()
        except ssl.SSLError as error:
            results[version] = error.reason
    # Refused by nginx's ssl_protocols, not by a library default.
    assert results == {
        old: "TLSV1_ALERT_PROTOCOL_VERSION",
        ssl.TLSVersion.TLSv1_2: "TLSv1.2",
        ssl.TLSVersion.TLSv1_3: "TLSv1.3",
    }


def test_static_files_are_served_by_nginx_compressed_and_cached(front):
    hashed, _ = get(
        front, "/static/css/site.0123456789ab.css", headers={"Accept-Encoding": "gzip"}
    )
    assert hashed.status == 200
    assert hashed.getheader("Content-Encoding") == "gzip"
    assert hashed.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    # Only hashed names are immutable: this one may change with a deploy.
    plain, _ = get(front, "/static/css/site.css")
    assert plain.status == 200
    assert plain.getheader("Cache-Control") == "public, max-age=3600"


def test_media_files_are_served_by_nginx_from_media_root(front):
    response, body = get(front, "/media/articles/photo.webp")
    assert response.status == 200
    assert body.startswith(b"RIFF")
    assert response.getheader("Content-Type") == "image/webp"
    assert response.getheader("X-Content-Type-Options") == "nosniff"


def test_html_is_gzip_compressed(front):
    response, body = get(front, "/", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in response.getheader("Vary")
    assert b"<html" in gzip.decompress(body)


def test_public_bodies_are_limited_to_1_mb_and_the_admin_to_10_mb(front):
    megabyte = 1024 * 1024
    assert announce_body(front, "/book/request/", megabyte + 1) == 413
    assert announce_body(front, "/articles/search/", megabyte + 1) == 413
    assert announce_body(front, "/admin/nginx-test/", 10 * megabyte + 1) == 413
    response, _ = request(front, "POST", "/admin/nginx-test/", body=b"x" * 5 * megabyte)
    assert response.status == 200


def test_django_sees_https_the_host_and_the_client_address(front):
    # Whatever a client claims in these headers, nginx's own values win.
    response, body = get(
        front,
        unique("/nginx-test/echo/"),
        headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http"},
    )
    assert response.status == 200
    assert json.loads(body) == {
        "secure": True,
        "client_ip": VISITOR,
        "host": "127.0.0.1",
    }


def test_anonymous_pages_are_served_from_a_one_second_cache(front):
    path = unique("/nginx-test/fresh/")
    stored = time.monotonic()
    first, first_body = get(front, path)
    second, second_body = get(front, path)
    assert first.getheader("X-Cache-Status") == "MISS"
    assert second.getheader("X-Cache-Status") == "HIT"
    assert second_body == first_body
    # nginx counts whole seconds: "1s" keeps a copy past the next tick of its
    # clock, so for more than one second and never two.
    time.sleep(2.05 - (time.monotonic() - stored))
    third, third_body = get(front, path)
    assert third.getheader("X-Cache-Status") == "EXPIRED"
    assert third_body != first_body


def test_the_home_page_is_micro_cached(front):
    assert cache_statuses(front, "/")[-1] == "HIT"


@pytest.mark.parametrize(
    "cookie",
    [
        "__Host-sessionid=abc",
        "sessionid=abc",
        "messages=abc",
        "theme=dark; sessionid=abc",
    ],
)
def test_requests_with_a_session_or_messages_bypass_the_cache(front, cookie):
    path = unique("/nginx-test/fresh/")
    assert cache_statuses(front, path, headers={"Cookie": cookie}) == ["BYPASS"] * 2
    # Nor was what they were shown kept for anyone else.
    assert cache_statuses(front, path, times=1) == ["MISS"]


# Well-formed: Django would replace a malformed one (Set-Cookie).
CSRF_COOKIE = f"csrftoken={'a' * 32}"


def test_other_cookies_do_not_bypass_the_cache(front):
    path = unique("/nginx-test/fresh/")
    headers = {"Cookie": f"{CSRF_COOKIE}; notsessionid=abc"}
    assert cache_statuses(front, path, headers=headers) == ["MISS", "HIT"]


def test_a_page_with_a_csrf_token_is_never_shared(front):
    # Even for a visitor who already holds the cookie: Django sends it again
    # with every token it renders, and nginx keeps no response with Set-Cookie.
    headers = {"Cookie": CSRF_COOKIE}
    assert "HIT" not in cache_statuses(front, "/nginx-test/form/", headers=headers)


@pytest.mark.parametrize(
    "path",
    [
        "/book/nginx-test/",
        "/book/request/",
        "/admin/nginx-test/",
        "/admin/login/",
        "/healthz",
        "/nginx-test/no-store/",
        "/nginx-test/private/",
        "/nginx-test/set-cookie/",
    ],
)
def test_booking_admin_health_and_no_store_responses_are_never_cached(front, path):
    assert "HIT" not in cache_statuses(front, path, times=3)


def test_admin_sign_in_posts_are_rate_limited_per_client(front):
    statuses = [
        request(front, "POST", "/admin/login/", body=b"username=a&password=b")[0].status
        for _ in range(13)
    ]
    # One, plus a burst of ten, then nginx refuses before Django hashes anything.
    assert 429 not in statuses[:11]
    assert statuses[11:] == [429, 429]
    assert get(front, "/admin/login/")[0].status == 200


def test_the_access_log_shows_no_secret_link_and_no_staff_search(front):
    get(front, "/book/manage/patient-secret-1/cancel/?step=2")
    get(
        front,
        "/admin/booking/appointmentrequest/?q=Lovelace",
        headers={"Referer": "https://127.0.0.1/book/unsubscribe/patient-secret-2/"},
    )
    get(
        front,
        "/articles/",
        headers={"Referer": "https://127.0.0.1/admin/booking/?q=555-0142"},
    )
    # nginx writes a request's line after the response has gone out, so the
    # last one may still be on its way when the client has its answer.
    log = front[1].parent / "medspa.access.log"
    deadline = time.monotonic() + 5
    last_line = '"https://127.0.0.1/admin/booking/?..."'
    while last_line not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    logged = log.read_text()
    for secret in ("patient-secret", "Lovelace", "555-0142"):
        assert secret not in logged
    assert '"GET /book/manage/.../cancel/?step=2 HTTP/1.1"' in logged
    assert '"GET /admin/booking/appointmentrequest/?... HTTP/1.1"' in logged
    assert '"https://127.0.0.1/book/unsubscribe/.../"' in logged
    assert last_line in logged
    # As in "combined": log readers take "-" for no referrer.
    assert re.search(r'cancel/\?step=2 HTTP/1.1" \d+ \d+ "-"', logged)


def test_a_missing_nginx_fails_naming_how_to_install_it(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(nginx_local.shutil, "which", lambda *args, **kwargs: None)
    with pytest.raises(RuntimeError, match=r"\.ci/run"):
        nginx_local.tool("nginx")
