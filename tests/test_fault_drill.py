"""The fault drill (issue 11; SECURITY.md scenarios 4, 5 and 7), on gunicorn in
production mode with the task worker it starts.

PostgreSQL restarted: the next requests succeed, gunicorn is not restarted.
PostgreSQL stopped for 10 s while a trickle of patients books: afterwards every
acknowledged booking is stored, every stored one got each of its emails exactly
once without anyone running a command, and no page answered 500.

Both stop PostgreSQL, so they run on a server of their own in a temporary
folder, never the one in .pgdata that other commands share. They share it and
gunicorn (module-scoped fixtures), in this order.
"""

import http.client
import http.cookies
import os
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pgserver
import psycopg
import pytest

from tests.booking.factories import form_data

ROOT = Path(__file__).resolve().parent.parent
OUTAGE_SECONDS = 10
# The mail server takes this long to accept each message, so the worker is
# mostly mid-send (between claiming an email and recording it as sent) when
# the database goes, rather than idle.
ACCEPT_SECONDS = 0.25
# The drill's claim lease: above the outage, so no live send is taken over,
# and short enough that an email left claimed but unrecorded would go a second
# time within the drill.
CLAIM_LEASE_SECONDS = 30
CLINIC_INBOX = "frontdesk@drill.example"
HIDDEN_INPUT = re.compile(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]*)"')


class SmtpSink(socketserver.ThreadingTCPServer):
    """A mail server that accepts every message and keeps it."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SmtpSession)
        self.delivered: list[tuple[str, bytes]] = []  # (recipient, message)
        self.lock = threading.Lock()

    def counts(self) -> tuple[Counter[str], Counter[int]]:
        """Messages per patient address, and clinic notifications per
        request id (read from the admin link in each)."""
        with self.lock:
            delivered = list(self.delivered)
        patients = Counter(to for to, _ in delivered if to != CLINIC_INBOX)
        clinic = Counter(
            int(request_id)
            for to, message in delivered
            if to == CLINIC_INBOX
            for request_id in re.findall(rb"appointmentrequest/(\d+)/change", message)
        )
        return patients, clinic


class SmtpSession(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 drill")
        recipients = []
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"QUIT":
                self.reply("221 bye")
                return
            if verb == b"RCPT":
                recipients.append(re.search(rb"<([^>]*)>", line).group(1).decode())
            elif verb == b"DATA":
                self.reply("354 go on")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data)
                message = b"".join(lines)
                time.sleep(ACCEPT_SECONDS)
                with self.server.lock:
                    self.server.delivered += [(to, message) for to in recipients]
                recipients = []
            self.reply("250 ok")


class PrivatePostgres:
    """A PostgreSQL server of the drill's own, which it may stop and start."""

    def __init__(self, folder: Path):
        self.pgdata = folder / "pgdata"
        self.server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        info = self.server.get_postmaster_info()
        self.socket_dir = info.socket_dir
        # pgserver runs PostgreSQL as an unprivileged user when we are root.
        self.user = "pgserver" if os.geteuid() == 0 else None
        with psycopg.connect(self.server.get_uri("postgres"), autocommit=True) as db:
            db.execute("CREATE DATABASE drill")
        self.url = self.server.get_uri("drill")

    def pg_ctl(self, *args: str) -> None:
        pgserver.pg_ctl(list(args), pgdata=self.pgdata, user=self.user)

    def stop(self) -> None:
        """Stop at once, as a crash or a failover does: every session is cut."""
        self.pg_ctl("-w", "-m", "immediate", "stop")

    def start(self) -> None:
        # Same socket folder as pgserver chose, so DATABASE_URL stays valid.
        self.pg_ctl(
            *("-w", "-o", '-h ""', "-o", f"-k {self.socket_dir}"),
            *("-l", str(self.pgdata / "log"), "start"),
        )

    def query(self, sql: str) -> list[tuple]:
        with psycopg.connect(self.url) as db:
            return db.execute(sql).fetchall()

    def remove(self) -> None:
        try:
            self.pg_ctl("-w", "-m", "fast", "stop")
        except subprocess.CalledProcessError:
            pass  # already stopped
        self.server.cleanup()


class Visitor:
    """One patient's browser: its own cookies, over HTTPS as the proxy says."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        origin = f"https://127.0.0.1:{self.port}"
        headers = {"X-Forwarded-Proto": "https", "Origin": origin}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            html = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, html, response


def book(port: int, number: int) -> tuple[list[int], str | None]:
    """Open the request form and send it, as one new patient; the statuses
    seen, and the patient's email if the request was acknowledged."""
    visitor = Visitor(port)
    status, html, _ = visitor.request("GET", "/book/request/")
    if status != 200:
        return [status], None
    email = f"patient{number}@drill.example"
    # The page's own hidden fields: its CSRF and signed form tokens.
    form = form_data(
        first_name="Drill",
        last_name=f"Patient{number}",
        email=email,
        **dict(HIDDEN_INPUT.findall(html)),
    )
    posted, _, response = visitor.request("POST", "/book/request/", form)
    acknowledged = posted == 302 and response.headers["Location"].endswith(
        "/book/done/"
    )
    return [status, posted], email if acknowledged else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, seconds: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


@pytest.fixture(scope="module")
def postgres():
    # Not under pytest's tmp_path: each pytest run makes its base folder
    # private again, and PostgreSQL runs as another user when we are root.
    folder = Path(tempfile.mkdtemp(prefix="medspa-fault-drill-"))
    try:
        server = PrivatePostgres(folder)
        yield server
        server.remove()
    finally:
        shutil.rmtree(folder)


@pytest.fixture(scope="module")
def smtp():
    sink = SmtpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.shutdown()
    sink.server_close()


@dataclass
class Site:
    port: int
    log: Path
    gunicorn: subprocess.Popen


@pytest.fixture(scope="module")
def site(postgres, smtp):
    """gunicorn in production mode on the private database, with the task
    worker and the periodic loop it starts."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": postgres.url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "fault-drill-" + "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": "",
        "RUN_TASK_WORKER": "1",
        # Short so that the drill sees what the outage left recovered: the
        # sweep every 2 s re-queues a task running for 5 s, and queues the
        # emails of a booking stored 3 s ago with no task (one lost).
        "PERIODIC_TASKS_SECONDS": "2",
        # Below the claim lease only to keep the drill short: a task run again
        # while a dead run's claim lives skips that email, and the sweep
        # queues it once the claim has expired (production keeps it above).
        "TASK_STUCK_AFTER_SECONDS": "5",
        "BOOKING_EMAIL_GRACE_SECONDS": "3",
        "BOOKING_EMAIL_CLAIM_LEASE_SECONDS": str(CLAIM_LEASE_SECONDS),
        "DJANGO_SMTP_HOST": "127.0.0.1",
        "DJANGO_SMTP_PORT": str(smtp.server_address[1]),
        "DJANGO_SMTP_USE_TLS": "0",
        "CLINIC_INBOX_EMAIL": CLINIC_INBOX,
        "BOOKING_RATE_LIMIT": "100000",
        "BOOKING_MIN_FILL_SECONDS": "0",
        "BOOKING_EMAIL_RETRY_SECONDS": "1",
    }

    def manage(*command: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "manage.py", *command, "--verbosity", "0"],
            cwd=ROOT,
            env=env,
        )

    # Production pages need the hashed static files' manifest; it needs no
    # database, so it is made while the database is migrated.
    collectstatic = manage("collectstatic", "--noinput")
    assert manage("migrate", "--noinput").wait() == 0
    assert manage("createcachetable").wait() == 0
    assert collectstatic.wait() == 0
    log_path = postgres.pgdata.parent / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "medspa/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for(lambda: healthz(port) == 200, 30), log_path.read_text()
        yield Site(port=port, log=log_path, gunicorn=server)
    finally:
        server.terminate()
        server.wait(timeout=30)


def healthz(port: int) -> int | None:
    try:
        status, _, _ = Visitor(port).request("GET", "/healthz")
    except OSError:
        return None
    return status


def test_requests_succeed_after_a_database_restart_without_restarting_gunicorn(
    postgres, site
):
    # Each gunicorn worker holds a persistent connection the restart breaks.
    assert [healthz(site.port) for _ in range(6)] == [200] * 6
    postgres.pg_ctl("-w", "-m", "fast", "restart")
    assert [healthz(site.port) for _ in range(6)] == [200] * 6
    statuses, acknowledged = book(site.port, 0)
    assert statuses == [200, 302] and acknowledged
    assert site.gunicorn.poll() is None, "gunicorn must not have been restarted"


def test_a_plain_http_health_probe_is_answered_not_redirected(site):
    # A load balancer probes gunicorn without the proxy's X-Forwarded-Proto
    # (SECURITY-REVIEW #18); everything else goes to https.
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30)
    try:
        for path, status in (("/healthz", 200), ("/book/request/", 301)):
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            assert response.status == status, path
    finally:
        connection.close()


def test_bookings_survive_a_database_outage_and_each_gets_its_emails_once(
    postgres, smtp, site
):
    statuses: Counter[int] = Counter()
    acknowledged: list[str] = []
    errors: list[str] = []
    stop = threading.Event()

    def trickle():
        number = 0
        while not stop.is_set():
            number += 1
            try:
                seen, email = book(site.port, number)
            except OSError as error:  # gunicorn did not answer at all
                errors.append(repr(error))
                seen, email = [], None
            statuses.update(seen)
            if email:
                acknowledged.append(email)
            time.sleep(0.2)

    def each_stored_one_sent_once() -> bool:
        ids = dict(postgres.query("SELECT email, id FROM booking_appointmentrequest"))
        patients, clinic = smtp.counts()
        return all(patients[e] == 1 and clinic[i] == 1 for e, i in ids.items())

    patients = threading.Thread(target=trickle)
    patients.start()
    try:
        # The outage comes while the worker is sending, so it may cut a send
        # anywhere between claiming an email and recording it as sent.
        assert wait_for(lambda: smtp.delivered, 30), "no email before the outage"
        before = len(acknowledged)
        postgres.stop()
        time.sleep(OUTAGE_SECONDS)
        postgres.start()
        back = time.monotonic()
        after = len(acknowledged)
        time.sleep(3)
    finally:
        stop.set()
        patients.join(timeout=60)

    log = site.log.read_text()
    assert not errors, f"gunicorn did not answer: {errors[:3]}\n{log[-3000:]}"
    assert statuses[500] == 0, f"{statuses}\n{log[-3000:]}"
    assert set(statuses) <= {200, 302, 503}, statuses
    assert statuses[503] > 0, "the outage was never seen"
    assert before > 0, "no booking was acknowledged before the outage"
    assert len(acknowledged) > after, "no booking was acknowledged after it"

    stored = dict(postgres.query("SELECT email, id FROM booking_appointmentrequest"))
    assert set(acknowledged) <= set(stored)

    # Nobody runs a command: the worker, restarted, and the periodic sweep
    # send what is due.
    wait_for(each_stored_one_sent_once, 90)
    # A claim made before the outage and never recorded as sent expires by
    # now, and the sweep (every 2 s, after 3 s) would send its email again.
    time.sleep(max(0, back + CLAIM_LEASE_SECONDS + 10 - time.monotonic()))
    patients, clinic = smtp.counts()
    unsent = postgres.query(
        "SELECT email, patient_email_claimed_at, clinic_email_claimed_at "
        "FROM booking_appointmentrequest "
        "WHERE patient_email_sent_at IS NULL OR clinic_email_sent_at IS NULL"
    )
    # Every stored booking, acknowledged or stored as the database went (its
    # patient saw 503), gets each email once.
    sent = {email: (patients[email], clinic[pk]) for email, pk in stored.items()}
    assert sent == dict.fromkeys(stored, (1, 1)), (sent, unsent, log[-3000:])
    assert set(patients.values()) == set(clinic.values()) == {1}
    assert healthz(site.port) == 200, "the queue is not drained"
