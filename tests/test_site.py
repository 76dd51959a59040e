import pytest
from django.db import connection
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_home_page_renders_layout_with_contact_links(client, settings):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert settings.CLINIC["name"] in html
    assert f'href="tel:{settings.CLINIC["phone"]}"' in html
    assert f'href="sms:{settings.CLINIC["sms"]}"' in html
    assert 'href="#main"' in html  # skip link
    assert "Request an appointment" in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html


def test_healthz_reports_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_reports_503_when_database_fails(client, monkeypatch):
    from django.db import OperationalError

    def broken_cursor(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_unknown_page_gets_custom_404_in_site_layout(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html
    assert settings.CLINIC["name"] in html


def test_server_error_page_uses_site_layout(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    with override_settings(ROOT_URLCONF="tests.urls_failing"):
        response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_group_helper_works_on_a_fresh_database_and_gives_models_module_back():
    from django.contrib.auth.models import Group, Permission
    from django.db.migrations.executor import MigrationExecutor

    from medspa.groups import create_group_with_permissions

    Permission.objects.filter(content_type__app_label="booking").delete()
    state = MigrationExecutor(connection).loader.project_state(
        [("booking", "0004_front_desk_group")]
    )
    app_config = state.apps.get_app_config("booking")
    assert not hasattr(app_config, "models_module")

    create_group_with_permissions(
        state.apps,
        "Reception",
        "booking.view_appointmentrequest",
        "booking.export_appointmentrequest",
    )
    group = Group.objects.get(name="Reception")
    assert set(group.permissions.values_list("codename", flat=True)) == {
        "view_appointmentrequest",
        "export_appointmentrequest",
    }
    assert not hasattr(app_config, "models_module")

    with pytest.raises(LookupError, match="booking.no_such_thing"):
        create_group_with_permissions(
            state.apps, "Nobody", "booking.no_such_thing", "booking.view_treatment"
        )
    assert not Group.objects.filter(name="Nobody").exists()
    assert not hasattr(app_config, "models_module")
