import shutil
from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import HttpResponse, HttpResponseNotFound
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from blog import redirects
from blog.admin import RedirectAdmin
from blog.models import Redirect
from blog.redirects import RedirectMiddleware, is_on_site_path
from tests.blog.factories import ArticleFactory

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "data" / "wordpress-export.xml"
OFF_SITE = [
    "https://evil.example/",
    "http://evil.example/articles/",
    "//evil.example/",
    "/\\evil.example/",
    "/\t/evil.example/",
    "javascript:alert(1)",
    "evil.example/",
    "",
]


@pytest.fixture
def imported(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "export.xml"
    shutil.copy(FIXTURE, path)
    call_command("import_wordpress", str(path))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/frown-lines-explained/", "/articles/frown-lines-explained/"),
        ("/frown-lines-explained", "/articles/frown-lines-explained/"),
        ("/frown-lines-explained/?utm_source=x", "/articles/frown-lines-explained/"),
        ("/?p=11", "/articles/frown-lines-explained/"),
        ("/?p=11&utm_source=x", "/articles/frown-lines-explained/"),
        ("/category/injectables/", "/articles/category/injectables/"),
    ],
)
def test_old_wordpress_addresses_answer_301_after_an_import(client, imported, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
    assert client.get(new).status_code == 200


def test_the_home_page_with_an_unknown_post_id_is_the_home_page(client, imported):
    assert client.get("/?p=999").status_code == 200
    assert client.get("/?utm_source=x").status_code == 200


def test_a_staff_added_redirect_works(admin_client, client):
    article = ArticleFactory(slug="botox-facts")
    response = admin_client.post(
        reverse("admin:blog_redirect_add"),
        {"old_path": "/old-botox-page/", "new_path": article.get_absolute_url()},
    )
    assert response.status_code == 302
    assert Redirect.objects.filter(old_path="/old-botox-page/").exists()
    response = client.get("/old-botox-page/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/botox-facts/"


def test_the_admin_lists_and_searches_redirects(admin_client):
    Redirect.objects.create(old_path="/old/", new_path="/articles/new/")
    url = reverse("admin:blog_redirect_changelist")
    assert b"/articles/new/" in admin_client.get(url).content
    assert b"/articles/new/" in admin_client.get(url, {"q": "old"}).content


@pytest.mark.parametrize("target", [t for t in OFF_SITE if t])
def test_the_admin_form_refuses_off_site_redirects(target):
    form = RedirectAdmin.form(data={"old_path": "/old/", "new_path": target})
    assert not form.is_valid()
    assert "only lead to a page of this site" in form.errors["new_path"][0]


def test_the_admin_form_refuses_an_address_without_a_path_and_a_loop():
    form = RedirectAdmin.form(
        data={"old_path": "https://old-clinic.example/x/", "new_path": "/x/"}
    )
    assert not form.is_valid()
    assert "starting with /" in form.errors["old_path"][0]
    form = RedirectAdmin.form(data={"old_path": "/x/", "new_path": "/x/"})
    assert not form.is_valid()
    assert "cannot redirect to itself" in form.errors["__all__"][0]


@pytest.mark.django_db
def test_the_admin_form_refuses_a_chain_that_could_go_round():
    Redirect.objects.create(old_path="/b/", new_path="/articles/b/")
    form = RedirectAdmin.form(data={"old_path": "/a/", "new_path": "/b/"})
    assert not form.is_valid()
    assert "is itself redirected" in form.errors["__all__"][0]


def test_the_admin_add_page_shows_the_message(admin_client):
    response = admin_client.post(
        reverse("admin:blog_redirect_add"),
        {"old_path": "/old/", "new_path": "//evil.example/"},
    )
    assert response.status_code == 200
    assert b"only lead to a page of this site" in response.content
    assert not Redirect.objects.exists()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_the_database_refuses_off_site_redirects(target):
    with pytest.raises(IntegrityError), transaction.atomic():
        Redirect.objects.create(old_path="/old/", new_path=target)


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_middleware_never_sends_visitors_off_site(client, monkeypatch, target):
    # The constraint keeps such rows out of the table, so hand the middleware one.
    monkeypatch.setattr(
        redirects,
        "find_redirect",
        lambda candidates: Redirect(old_path="/old/", new_path=target),
    )
    assert client.get("/old/").status_code == 404


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_targets_are_not_on_site_paths(target):
    assert not is_on_site_path(target)


@pytest.mark.parametrize(
    "target", ["/", "/articles/botox-facts/", "/articles/?page=2", "/?p=1#top"]
)
def test_on_site_paths(target):
    assert is_on_site_path(target)


def test_a_page_that_exists_is_never_redirected(client):
    article = ArticleFactory(slug="here")
    Redirect.objects.create(old_path="/articles/here/", new_path="/elsewhere/")
    assert client.get(article.get_absolute_url()).status_code == 200


def test_posts_and_redirect_loops_are_not_redirected(client):
    Redirect.objects.create(old_path="/old/", new_path="/articles/new/")
    Redirect.objects.create(old_path="/same/", new_path="/same/")
    assert client.post("/old/").status_code == 404
    assert client.get("/same/").status_code == 404


def test_a_found_page_costs_no_query_and_a_404_one(rf, django_assert_num_queries):
    found = RedirectMiddleware(lambda request: HttpResponse("ok"))
    missing = RedirectMiddleware(lambda request: HttpResponseNotFound("no"))
    with django_assert_num_queries(0):
        assert found(rf.get("/articles/?page=2")).status_code == 200
        assert found(rf.get("/?utm_source=x")).status_code == 200
    with django_assert_num_queries(1):
        assert missing(rf.get("/nope/?x=1")).status_code == 404


def test_a_real_page_costs_no_extra_query(client, settings, django_assert_num_queries):
    article = ArticleFactory(slug="here")
    ours = "blog.redirects.RedirectMiddleware"
    without = [m for m in settings.MIDDLEWARE if m != ours]
    assert len(without) == len(settings.MIDDLEWARE) - 1
    url = article.get_absolute_url()
    settings.MIDDLEWARE = without
    client.get(url)  # warm the caches either way
    with CaptureQueriesContext(connection) as baseline:
        assert client.get(url).status_code == 200
    settings.MIDDLEWARE = [*without, ours]
    with django_assert_num_queries(len(baseline)):
        assert client.get(url).status_code == 200
