import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command

from blog.models import Article
from booking.models import Treatment

ROOT = Path(__file__).resolve().parent.parent


def production_env(**extra: str) -> dict[str, str]:
    # The test session's async-unsafe switch is not part of a deployment.
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **base,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "example.com",
        **extra,
    }


def run_in_production(code: str, **env: str) -> subprocess.CompletedProcess:
    """Run `code` after django.setup() in a new Python with production
    settings and no database to reach (unless `env` names one)."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=production_env(
            DJANGO_SETTINGS_MODULE="medspa.settings",
            DATABASE_URL="postgres://nobody@127.0.0.1:9/none",
        )
        | env,
        capture_output=True,
        text=True,
    )


def url_of_the_test_database() -> str:
    """The URL of the database this test runs against (a fresh test database,
    not the development one `make run` filled with demo content)."""
    from django.db import connection

    from medspa.embedded_postgres import database_url

    url = urlsplit(os.environ.get("DATABASE_URL") or database_url())
    return urlunsplit(url._replace(path="/" + connection.settings_dict["NAME"]))


def check_deploy() -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(DATABASE_URL=url_of_the_test_database()),
        capture_output=True,
        text=True,
    )


@pytest.mark.django_db(transaction=True)
def test_check_deploy_prints_no_warnings_in_production_mode():
    result = check_deploy()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db(transaction=True)
def test_check_deploy_warns_while_demo_content_is_published():
    call_command("load_demo_treatments")
    call_command("load_demo_articles")
    result = check_deploy()
    assert result.returncode != 0
    assert "blog.W001" in result.stderr and "booking.W001" in result.stderr
    # Unpublished, or made the clinic's own with real reviews: no warning.
    Article.objects.update(status=Article.Status.DRAFT)
    Treatment.objects.update(is_demo=False)
    assert check_deploy().returncode == 0


def test_production_mode_refuses_to_start_without_a_secret_key():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_plain_http_health_probe_is_answered_not_redirected_in_production_mode():
    # A load balancer probes gunicorn over plain HTTP (SECURITY-REVIEW #18). The
    # database is unreachable here, so an answered probe is a 503, never a 301.
    result = run_in_production(
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='example.com')\n"
        "print(client.get('/healthz').status_code, client.get('/').status_code)\n"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    healthz, home = result.stdout.split()
    assert healthz == "503"
    assert home == "301"  # Everything else still goes to https.
