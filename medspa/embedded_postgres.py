"""The development PostgreSQL server, used when DATABASE_URL is not set.

The `pgserver` package ships real PostgreSQL binaries. The data directory lives in
the project folder (git-ignored) and the server keeps running between commands, so
manage.py, gunicorn and pytest all share it; it is started on first use.
"""

import os
import tempfile
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"
DATABASE_NAME = "medspa"


def _server():
    # pgserver keeps its lock file under XDG_RUNTIME_DIR, which root shells and CI
    # lack; give it a private one rather than a warning on every command.
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime_dir = Path(tempfile.gettempdir()) / f"medspa-runtime-{os.getuid()}"
        runtime_dir.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime_dir)
    import pgserver

    # cleanup_mode=None: the server outlives this process for the next command.
    return pgserver.get_server(DATA_DIR, cleanup_mode=None)


def database_url() -> str:
    """Start the embedded server if needed and return a URL for the app database."""
    server = _server()
    import psycopg

    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(DATABASE_NAME)


def pg_ctl(*args: str) -> str:
    """Run pg_ctl against the embedded data directory (e.g. "restart", "stop")."""
    import pgserver

    # pgserver runs the server as an unprivileged "pgserver" user when we are root.
    user = "pgserver" if os.geteuid() == 0 else None
    return pgserver.pg_ctl(list(args), pgdata=DATA_DIR, user=user)


def main() -> None:
    """`python -m medspa.embedded_postgres [start|stop|url]` for the Makefile."""
    import sys

    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "stop":
        print(pg_ctl("-w", "-m", "fast", "stop").strip())
    else:
        url = database_url()
        print(url if command == "url" else f"PostgreSQL running in {DATA_DIR}")


if __name__ == "__main__":
    main()
