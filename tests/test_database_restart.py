"""The app keeps serving across a database restart, without restarting gunicorn."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from medspa import embedded_postgres

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_until_serving(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            get_status(url)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"gunicorn did not start serving {url}")


def interrupt_database() -> None:
    """Restart the embedded server; against an external one, drop every session."""
    connection.close()
    if os.environ.get("DATABASE_URL"):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid <> pg_backend_pid() AND datname = current_database()"
            )
        connection.close()
    else:
        embedded_postgres.pg_ctl("-w", "-m", "fast", "restart")


def test_requests_succeed_after_database_restart_without_restarting_gunicorn():
    port = free_port()
    db = connection.settings_dict
    host = db["HOST"] or db["OPTIONS"].get("host", "localhost")
    database_url = (
        f"postgresql://{db['USER']}:{db['PASSWORD']}@/{db['NAME']}?host={host}"
    )
    if db["PORT"]:
        database_url += f"&port={db['PORT']}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "RUN_TASK_WORKER": "0",
        "GUNICORN_ACCESS_LOG": "",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "medspa/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(f"{base}/healthz", time.monotonic() + 30)
        # Warm every worker's persistent connection before the restart.
        for _ in range(6):
            assert get_status(f"{base}/healthz") == 200
            assert get_status(f"{base}/treatments/") == 200

        interrupt_database()

        statuses = [get_status(f"{base}/treatments/") for _ in range(6)]
        statuses += [get_status(f"{base}/healthz") for _ in range(6)]
        assert statuses == [200] * 12
        assert server.poll() is None, "gunicorn must not have been restarted"
    finally:
        server.terminate()
        server.wait(timeout=15)
