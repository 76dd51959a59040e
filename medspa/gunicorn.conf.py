"""gunicorn settings; every value can be overridden from the environment."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 30
graceful_timeout = 10
# Settings are imported (and the embedded database started) once, then forked.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
wsgi_app = "medspa.wsgi:application"

# The background task worker (emails) lives and dies with gunicorn, so `make run`
# is one process tree that Ctrl-C stops cleanly. Set RUN_TASK_WORKER=0 to run
# `manage.py db_worker` elsewhere (e.g. as its own service in production).
_task_worker = None


def on_starting(server):
    global _task_worker
    if os.environ.get("RUN_TASK_WORKER", "1") == "1":
        import subprocess
        import sys

        _task_worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--verbosity", "1"]
        )


def on_exit(server):
    if _task_worker is not None:
        _task_worker.terminate()
        _task_worker.wait(timeout=10)


# gunicorn's runtime control socket defaults to one path per user, which two
# servers on one machine (tests, bench, `make run`) would fight over.
control_socket_disable = True
