"""gunicorn settings; every value can be overridden from the environment
(see the table in README.md)."""

import multiprocessing
from pathlib import Path

import environ

env = environ.Env()
# gunicorn reads this file before Django's settings, so it honours .env the same
# way, or HOST, PORT and the rest could not be set there.
if env.bool("DJANGO_READ_DOT_ENV_FILE", default=False):
    environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env")

bind = f"{env('HOST', default='127.0.0.1')}:{env.int('PORT', default=8000)}"
workers = env.int("WEB_CONCURRENCY", default=multiprocessing.cpu_count() * 2 + 1)
threads = env.int("GUNICORN_THREADS", default=1)
timeout = 30
graceful_timeout = 10
# Settings are imported (and the embedded database started) once, then forked.
preload_app = True
# "-" logs to stderr; empty turns the access log off (the proxy keeps one).
accesslog = env("GUNICORN_ACCESS_LOG", default="-") or None
# The access log shows patients' secret links (manage, waitlist, unsubscribe)
# as "…": whoever reads the log must not be able to open them.
logger_class = "medspa.secret_links.GunicornLogger"
wsgi_app = "medspa.wsgi:application"

# The background task worker (emails) and the loop that queues the periodic
# sweep (reminders, rebooking emails, waitlist expiry) live and die with
# gunicorn, so `make run` is one process tree that Ctrl-C stops cleanly.
# medspa.supervise restarts either when it exits (the worker does when the
# database goes away). Set RUN_TASK_WORKER=0 to run `manage.py db_worker`
# elsewhere (e.g. as its own service in production, restarted the same way)
# and schedule `manage.py queue_periodic_tasks` there.
_background = []


def on_starting(server):
    if env.bool("RUN_TASK_WORKER", default=True):
        import shlex
        import subprocess
        import sys

        every = env.int("PERIODIC_TASKS_SECONDS", default=300)
        commands = [
            # --no-reload: under the autoreloader a crashed worker would wait
            # for a file change instead of exiting, and never be restarted.
            ["db_worker", "--verbosity", "1", "--no-reload", "--skip-checks"],
            ["queue_periodic_tasks", "--every", str(every), "--skip-checks"],
        ]
        _background.append(
            subprocess.Popen(
                [sys.executable, "-m", "medspa.supervise"]
                + [shlex.join([sys.executable, "manage.py", *c]) for c in commands]
            )
        )


def on_exit(server):
    for process in _background:
        process.terminate()
    for process in _background:
        process.wait(timeout=15)


# gunicorn's runtime control socket defaults to one path per user, which two
# servers on one machine (tests, bench, `make run`) would fight over.
control_socket_disable = True
