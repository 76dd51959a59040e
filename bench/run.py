"""`make bench`: the site as production runs it, on a scaled data set, under wrk.

1. A separate database (medspa_bench) on the embedded PostgreSQL, recreated, migrated
   and filled by bench/generate.py, so development data is never touched.
2. collectstatic with the production (manifest) storage.
3. bench/measure.py (a Django process) counts SQL queries and HTML sizes per page and
   copies the article HTML into STATIC_ROOT: the ceiling, a static file of the same
   size served by the same gunicorn and WhiteNoise.
4. gunicorn with medspa/gunicorn.conf.py, DJANGO_DEBUG=0, then wrk per page with 32
   connections for BENCH_SECONDS each; the ceiling is measured first and last.
   Then the two POSTs: the request form (/book/request/) and online booking's
   hold (/book/<treatment>/ with a distinct free start per request).
5. bench/nginx_bench.py: the article, home and article list through deploy/nginx.conf
   in front of the same gunicorn, against that nginx's own ceiling (BENCH_ONLY=nginx
   runs only this and the ceiling).
6. The tables are printed and written to bench/results.md.

wrk talks plain HTTP to 127.0.0.1 and sends `X-Forwarded-Proto: https`, exactly what
the TLS-terminating proxy in front of production sends. So SECURE_SSL_REDIRECT stays
on and the requests take production's path: HSTS, secure cookies, and CSRF's
Referer/Origin check on the booking POSTs.
"""

import datetime
import gzip
import http.client
import http.cookies
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import nginx_bench

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "data"  # git-ignored: logs, request bodies
PY = sys.executable
DB_NAME = os.environ.get("BENCH_DB_NAME", "medspa_bench")
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WRK_THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
FORWARDED = "X-Forwarded-Proto: https"
# While profiling one page: BENCH_ONLY="article detail,booking POST".
ONLY = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}
# Says what differs from the committed code, e.g. "GUNICORN_THREADS=4".
LABEL = os.environ.get("BENCH_LABEL", "")

SERVER_PID = [0]  # gunicorn's master, once started
# Issue 13's table: the share of the static ceiling each page must reach.
TARGET_RATIOS = {
    "article detail": 0.5,
    "home": 0.3,
    "article list": 0.3,
    "category": 0.3,
    "treatment list": 0.3,
    "treatment detail": 0.3,
    "booking form": 0.3,
    "booking times": 0.2,
    "search": 0.3,
    "cold search": 0.1,
}
TARGET_P99_MS = 50
TARGET_QUERIES = 4
TARGET_POST_P99_MS = 250
TARGET_WEIGHT_KB = 21
TARGET_AVAILABILITY_QUERIES = 5


def say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def log(message: str) -> None:
    say(f"[bench {time.strftime('%H:%M:%S')}] {message}")


def run(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)


def bench_database_url(reuse: bool) -> tuple[str, bool]:
    """Start the embedded server; return the bench database URL and whether it
    was made afresh (BENCH_REUSE_DB=1 keeps an existing one, for profiling)."""
    dev_url = subprocess.run(
        [PY, "-m", "medspa.embedded_postgres", "url"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    parts = urlsplit(dev_url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]
        ).fetchone()
        fresh = not (reuse and exists)
        if fresh:
            # Recreated on every run so each run measures the same data set.
            conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return urlunsplit(parts._replace(path=f"/{DB_NAME}")), fresh


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.0f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip(),
    }


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited ({server.returncode}); see {WORK}/gunicorn.log")
        try:
            request = urllib.request.Request(
                base + "/healthz", headers={"X-Forwarded-Proto": "https"}
            )
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    sys.exit("gunicorn did not answer /healthz within 60 s")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(server_pid: int) -> dict[int, int]:
    """CPU time (user+system, in clock ticks) of every process serving the bench:
    the gunicorn workers and the PostgreSQL backends of the bench database.

    Divided by the requests served, it gives the CPU cost of one request, which
    other load on the machine barely changes (unlike requests/s).
    """
    ticks = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parent = int(fields[1])
        if parent == server_pid or f" {DB_NAME} " in cmdline:
            ticks[int(proc.name)] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_ms(before: dict[int, int], after: dict[int, int]) -> float:
    used = sum(total - before.get(pid, 0) for pid, total in after.items())
    return used * 1000 / CLOCK_TICKS


def wrk(url: str, *, seconds: int, script: str = "get.lua", args=()) -> dict:
    command = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-H",
        FORWARDED,
        "-s",
        str(BENCH / script),
        url,
    ]
    if args:
        command += ["--", *args]
    before = cpu_ticks(SERVER_PID[0])
    output = subprocess.run(
        command, cwd=WORK, check=True, capture_output=True, text=True
    ).stdout
    used = cpu_ms(before, cpu_ticks(SERVER_PID[0]))
    line = next(x for x in output.splitlines() if x.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["cpu_ms"] = used / max(1, result["requests"])
    result["errors"] = sum(v for k, v in result.items() if k.startswith("errors_"))
    return result


def load(base: str, path: str, **kwargs) -> dict:
    # A short warm-up first: every worker opens its database connection and fills
    # its template cache, as it would long before real traffic peaks.
    wrk(base + path, seconds=2, **kwargs)
    return wrk(base + path, seconds=SECONDS, **kwargs)


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def fetch_form(
    port: int, cookie: str, path: str = "/book/request/"
) -> tuple[dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"X-Forwarded-Proto": "https"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    html = response.read().decode()
    connection.close()
    if response.status != 200:
        sys.exit(f"GET {path} answered {response.status}")
    if not cookie:
        jar = http.cookies.SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())
    return {name: html_unescape(value) for name, value in HIDDEN.findall(html)}, cookie


def prepare_posts(port: int, choices: dict, form_tokens: list[list[str]]) -> None:
    """Write one valid, distinct submission per line of bodies.txt.

    A form's token (a UUID signed together with its render time) is signed with
    the site's secret key; bench/measure.py, which shares the bench server's
    key, minted them exactly as GET /book/request/ does. So each submission
    costs the server one POST, not GET+POST (GET /book/request/ has its own
    row). One real GET supplies the CSRF cookie and token, as for a patient's
    browser.
    """
    hidden, cookie = fetch_form(port, "")
    lines, tokens = [], []
    # New addresses each run: with BENCH_REUSE_DB=1 a repeat within the
    # duplicate window would return the earlier run's requests.
    run_id = secrets.token_hex(3)
    for n, (signed, token) in enumerate(form_tokens):
        fields = hidden | {
            "form_token": signed,
            "first_name": "Bench",
            "last_name": f"Patient {n}",
            "email": f"bench-{run_id}-{n}@example.com",
            "phone": "+12175440142",
            "treatment": choices["treatments"][n % len(choices["treatments"])],
            "preferred_date": choices["date"],
            "preferred_time": "morning",
            "patient_type": "new",
            "contact_method": "email",
            "message": "",
            "consent": "on",
            "leave_blank": "",
        }
        tokens.append(token)
        # One client address per patient, as the proxy reports it (documentation
        # range, never routed: it is only a header value).
        forwarded = f"2001:db8::{n + 1:x}"
        lines.append(f"{cookie}\t{forwarded}\t{urlencode(fields)}")
    (WORK / "bodies.txt").write_text("\n".join(lines) + "\n")
    (WORK / "tokens.txt").write_text("\n".join(tokens) + "\n")


def post_row(post: dict, env: dict[str, str]) -> dict:
    verified = json.loads(
        run(
            PY,
            "bench/verify_posts.py",
            str(WORK),
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    )
    statuses = post["statuses"]
    acked = statuses.get("302", 0)
    others = {k: v for k, v in statuses.items() if k != "302"}
    # Every response must be an acknowledgement, and every acknowledgement stored.
    ok = (
        not others
        and acked == verified["acked"] == verified["acked_and_stored"]
        and verified["lost"] == 0
    )
    note = (
        f"{'YES' if ok else 'NO'}: {acked} acknowledged (302), "
        f"{verified['acked_and_stored']} of them found stored, {verified['lost']} "
        f"lost, other responses {others or 'none'}"
        + ("; ran out of prepared forms" if post["exhausted"] else "")
    )
    post["rps"] = acked / (post["duration_us"] / 1e6)
    return {
        "name": "booking POST",
        "path": "/book/request/",
        "status": 302,
        "load": post,
        "note": note,
        "stored_ok": ok,
    }


def prepare_holds(port: int, slug: str, starts: list[str]) -> str:
    """Write one hold per line of holds.txt: a distinct free start (listed by
    bench/measure.py), each from its own client address, since holds are
    rate-limited per client. One real GET of the times page supplies the CSRF
    cookie and token; each POST then holds without a GET first (the GET has
    its own row, "booking times")."""
    path = f"/book/{slug}/"
    hidden, cookie = fetch_form(port, "", path)
    token = {"csrfmiddlewaretoken": hidden["csrfmiddlewaretoken"]}
    lines = [
        f"{cookie}\t2001:db8:1::{n + 1:x}\t{urlencode(token | {'start': start})}"
        for n, start in enumerate(starts)
    ]
    (WORK / "holds.txt").write_text("\n".join(lines) + "\n")
    (WORK / "hold_starts.txt").write_text("\n".join(starts) + "\n")
    return path


def hold_row(path: str, hold: dict, env: dict[str, str]) -> dict:
    verified = json.loads(
        run(
            PY,
            "bench/verify_posts.py",
            str(WORK),
            "holds",
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    )
    statuses = hold["statuses"]
    acked = statuses.get("302", 0)
    # 302: held; 409: the time was taken meanwhile (the page with alternatives).
    unexpected = {k: v for k, v in statuses.items() if k not in ("302", "409")}
    ok = (
        not unexpected
        and hold["errors"] == statuses.get("409", 0)
        and acked == verified["acked"] == verified["acked_and_stored"]
        and verified["provider_overlaps"] == verified["room_overlaps"] == 0
    )
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
    note = (
        f"{'YES' if ok else 'NO'}: {acked} held (302), "
        f"{verified['acked_and_stored']} of them found held at a start sent, "
        f"{statuses.get('409', 0)} taken (409), other responses "
        f"{unexpected or 'none'}; overlapping active appointments in the calendar: "
        f"{verified['provider_overlaps']} by provider, "
        f"{verified['room_overlaps']} by room"
        + ("; ran out of prepared starts" if hold["exhausted"] else "")
    )
    return {
        "name": "booking hold POST",
        "path": path,
        "status": 302,
        "load": hold,
        "note": note,
        "stored_ok": ok,
        # 409 is an answer here, not an error: the cell shows every status.
        "errors_cell": counts or "none",
    }


def ms(microseconds: float) -> str:
    return f"{microseconds / 1000:.1f}"


def kb(size: int | None) -> str:
    return "–" if size is None else f"{size / 1024:.1f}"


def table(rows: list[dict], ceiling_rps: float) -> str:
    lines = [
        "| page | path | req/s | p50 ms | p99 ms | × ceiling | CPU ms/req | "
        "SQL queries | HTML KB | gzip KB | errors |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        load_ = row.get("load")
        queries = row.get("queries")
        if queries is not None and row.get("queries_cold") not in (None, queries):
            queries = f"{queries} ({row['queries_cold']} cold)"
        lines.append(
            "| {name} | `{path}` | {rps} | {p50} | {p99} | {ratio} | {cpu} | {q} | "
            "{html} | {gz} | {err} |".format(
                name=row["name"],
                path=row["path"],
                rps=f"{load_['rps']:.0f}" if load_ else "–",
                p50=ms(load_["p50_us"]) if load_ else "–",
                p99=ms(load_["p99_us"]) if load_ else "–",
                ratio=f"{load_['rps'] / ceiling_rps:.2f}" if load_ else "–",
                cpu=f"{load_['cpu_ms']:.2f}" if load_ else "–",
                q="–" if queries is None else queries,
                html=kb(row.get("html_bytes")),
                gz=kb(row.get("gzip_bytes")),
                err=row.get("errors_cell")
                or (load_["errors"] if load_ else row.get("note", "–")),
            )
        )
    return "\n".join(lines)


def verdicts(
    rows: list[dict], ceiling_rps: float, weight: dict, availability: dict | None
) -> list[str]:
    by_name = {row["name"]: row for row in rows}
    total = weight["total"] / 1024
    out = [
        f"- article page weight ≤ {TARGET_WEIGHT_KB} KB (HTML + CSS + JS, gzip, "
        f"images aside): {total:.1f} KB (HTML {weight['html'] / 1024:.1f}, CSS "
        f"{weight['css'] / 1024:.1f}, JS {weight['js'] / 1024:.1f}) "
        f"{'MET' if total <= TARGET_WEIGHT_KB else 'MISSED'}"
    ]
    for name, target in TARGET_RATIOS.items():
        row = by_name.get(name)
        if row and row.get("load"):
            ratio = row["load"]["rps"] / ceiling_rps
            out.append(
                f"- {name} ≥ {target}× ceiling: {ratio:.2f}× "
                f"{'MET' if ratio >= target else 'MISSED'}"
            )
    article = by_name.get("article detail")
    if article and article.get("load"):
        p99 = article["load"]["p99_us"] / 1000
        out.append(
            f"- article detail p99 < {TARGET_P99_MS} ms: {p99:.1f} ms "
            f"{'MET' if p99 < TARGET_P99_MS else 'MISSED'}"
        )
        queries = article.get("queries")
        met = queries is not None and queries <= TARGET_QUERIES
        out.append(
            f"- article detail ≤ {TARGET_QUERIES} SQL queries: {queries} "
            f"{'MET' if met else 'MISSED'}"
        )
    post = by_name.get("booking POST")
    if post and post.get("load"):
        p99 = post["load"]["p99_us"] / 1000
        out.append(
            f"- booking POST p99 < {TARGET_POST_P99_MS} ms: {p99:.1f} ms "
            f"{'MET' if p99 < TARGET_POST_P99_MS else 'MISSED'}"
        )
        out.append(f"- booking POST, every acknowledged request stored: {post['note']}")
    if availability:
        week = availability["week"]["queries"]
        horizon = availability["horizon"]["queries"]
        met = week <= TARGET_AVAILABILITY_QUERIES
        out.append(
            f"- availability for 7 days ≤ {TARGET_AVAILABILITY_QUERIES} SQL queries "
            f"(booking.scheduling.available_slots): {week} "
            f"({horizon} for the whole {availability['horizon_days']}-day horizon, "
            f"{availability['horizon']['slots']} free starts) "
            f"{'MET' if met else 'MISSED'}"
        )
    hold = by_name.get("booking hold POST")
    if hold and hold.get("load"):
        out.append(
            f"- booking hold POST p99 (reported, no target): "
            f"{hold['load']['p99_us'] / 1000:.1f} ms over "
            f"{hold['load']['requests']} POSTs"
        )
        out.append(f"- booking hold POST, every 302 a stored hold: {hold['note']}")
    return out


PREAMBLE = (
    "# Benchmark results\n\n"
    "Written by `make bench` (bench/run.py) and bench/lighthouse.sh; the newest "
    "section first. Each page is driven by wrk for a fixed time with the stated "
    "connections; the ceiling is a static file of the same size as the article "
    "HTML served by the same gunicorn and WhiteNoise in the same run. SQL queries "
    "are counted per view (warm cache; cold in parentheses when different); gzip "
    "is the HTML compressed at level 6. CPU ms/req is the CPU time the gunicorn "
    "workers and the bench database's PostgreSQL backends spent per request "
    "(wrk's own excluded): unlike req/s, other load on the machine barely "
    "changes it, and cores × 1000 / CPU ms/req bounds req/s.\n"
)


def add_results_section(section: str, keep: int = 12) -> None:
    """Put a section (starting with "## ") first in bench/results.md."""
    results = BENCH / "results.md"
    sections = []
    if results.exists():
        text = results.read_text()
        if "\n## " in text:
            sections = text[text.index("\n## ") + 1 :].split("\n## ")
            sections = [s if s.startswith("## ") else "## " + s for s in sections]
    sections = [section.strip() + "\n", *(s.strip() + "\n" for s in sections)]
    results.write_text(PREAMBLE + "\n" + "\n".join(sections[:keep]))


def production_env(port: int) -> dict[str, str]:
    """The environment of a production deployment, on 127.0.0.1:port."""
    WORK.mkdir(exist_ok=True)
    return {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        # The production task worker is its own service; mail is not benchmarked,
        # so queued emails wait by design and must not make /healthz fail.
        "RUN_TASK_WORKER": "0",
        "HEALTHZ_MAX_TASK_WAIT_SECONDS": str(10**9),
        # Hero image renditions the generator makes stay out of the dev media.
        "DJANGO_MEDIA_ROOT": str(WORK / "media"),
        # wrk plays the proxy on 127.0.0.1, which reports each patient's address
        # (127.0.0.1 is a trusted proxy by default: DJANGO_TRUSTED_PROXIES).
        # The TLS proxy in front of production keeps the access log.
        "GUNICORN_ACCESS_LOG": os.environ.get("GUNICORN_ACCESS_LOG", ""),
    }


def prepare_site(env: dict[str, str], *, reuse: bool) -> dict:
    """Database, data, static files; return bench/measure.py's findings."""
    log(f"database {DB_NAME} on the embedded PostgreSQL")
    env["DATABASE_URL"], fresh = bench_database_url(reuse)
    run(PY, "manage.py", "migrate", "--noinput", "--verbosity", "0", env=env)
    run(PY, "manage.py", "createcachetable", env=env)
    if fresh:
        log("scaled data set (bench/generate.py)")
        run(PY, "bench/generate.py", env=env)
    log("collectstatic with the production manifest storage")
    run(PY, "manage.py", "collectstatic", "--noinput", "--verbosity", "0", env=env)
    log("SQL queries and HTML size per page (bench/measure.py)")
    return json.loads(
        run(PY, "bench/measure.py", env=env, stdout=subprocess.PIPE, text=True).stdout
    )


def start_gunicorn(env: dict[str, str]) -> subprocess.Popen:
    with open(WORK / "gunicorn.log", "w") as gunicorn_log:
        return subprocess.Popen(
            [str(Path(PY).parent / "gunicorn"), "--config", "medspa/gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=gunicorn_log,
            stderr=subprocess.STDOUT,
        )


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk (make bench does this)")
    started = time.monotonic()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = production_env(port)
    measured = prepare_site(env, reuse=os.environ.get("BENCH_REUSE_DB") == "1")
    rows = measured["pages"]
    workers = env.get("WEB_CONCURRENCY") or str((os.cpu_count() or 1) * 2 + 1)
    log(f"gunicorn on {base} ({workers} workers)")
    server = start_gunicorn(env)
    SERVER_PID[0] = server.pid
    try:
        wait_until_up(base, server)
        ceiling_path = measured["ceiling"]["path"]
        log(f"ceiling {ceiling_path} ({measured['ceiling']['bytes']} bytes)")
        ceilings = [load(base, ceiling_path)]
        rows = [row for row in rows if not ONLY or row["name"] in ONLY]
        for row in rows:
            if row["status"] != 200:
                row["note"] = f"HTTP {row['status']}"
                continue
            log(f"{row['name']} {row['path']}")
            row["load"] = load(base, row["path"])
        if not ONLY or "booking POST" in ONLY:
            prepare_posts(port, measured["booking"], measured["form_tokens"])
            log("booking POST /book/request/")
            post = wrk(
                base + "/book/request/",
                seconds=SECONDS,
                script="post.lua",
                args=[
                    str(WORK / "bodies.txt"),
                    str(WRK_THREADS),
                    "/book/request/",
                    "acked.txt",
                ],
            )
            post_queries = measured["post"]["queries"]
            rows.append(post_row(post, env) | {"queries": post_queries})
        if not ONLY or "booking hold POST" in ONLY:
            hold = measured["hold"]
            path = prepare_holds(port, hold["slug"], hold["starts"])
            log(f"booking hold POST {path} ({len(hold['starts'])} distinct starts)")
            held = wrk(
                base + path,
                seconds=SECONDS,
                script="post.lua",
                args=[str(WORK / "holds.txt"), str(WRK_THREADS), path, "held.txt"],
            )
            rows.append(hold_row(path, held, env) | {"queries": hold["queries"]})
        log("ceiling again")
        ceilings.append(load(base, ceiling_path))
        # The front tier a clinic runs: the same gunicorn behind deploy/nginx.conf.
        front_tier = []
        if not ONLY or "nginx" in ONLY:
            log("article, home and article list through nginx (bench/nginx_bench.py)")
            front_tier = nginx_bench.run(
                load,
                upstream_port=port,
                pages=measured["pages"],
                ceiling_path=ceiling_path,
                media_root=Path(env["DJANGO_MEDIA_ROOT"]),
                work=WORK,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)

    ceiling_rps = sum(c["rps"] for c in ceilings) / len(ceilings)
    ceiling_row = {
        "name": "ceiling (static, same size)",
        "path": ceiling_path,
        "load": {
            "rps": ceiling_rps,
            "p50_us": max(c["p50_us"] for c in ceilings),
            "p99_us": max(c["p99_us"] for c in ceilings),
            "cpu_ms": sum(c["cpu_ms"] for c in ceilings) / len(ceilings),
            "errors": sum(c["errors"] for c in ceilings),
        },
        "html_bytes": measured["ceiling"]["bytes"],
        "gzip_bytes": len(
            gzip.compress(
                (ROOT / "staticfiles" / measured["ceiling"]["file"]).read_bytes(), 6
            )
        ),
    }
    info = machine()
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = "\n".join(
        [
            f"## Run {now}" + (f" ({LABEL})" if LABEL else ""),
            "",
            f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} RAM, "
            f"Linux {info['kernel']}, Python {info['python']}, {info['wrk']}. "
            f"gunicorn: {workers} sync workers (medspa/gunicorn.conf.py), "
            f"DJANGO_DEBUG=0, WhiteNoise; wrk -t{WRK_THREADS} -c{CONNECTIONS} "
            f"-d{SECONDS}s per page after a 2 s warm-up, on the same machine. "
            f"Data: {measured['data']}. "
            f"Ceiling runs: {', '.join(f'{c["rps"]:.0f}' for c in ceilings)} req/s.",
            "",
            table([ceiling_row, *rows], ceiling_rps),
            "",
            *verdicts(
                rows,
                ceiling_rps,
                measured["article_weight"],
                measured["availability"],
            ),
            "",
            *front_tier,
            "",
            f"Whole run: {time.monotonic() - started:.0f} s.",
        ]
    )
    say("\n" + report)
    add_results_section(report)
    log(f"written to {BENCH / 'results.md'}")


if __name__ == "__main__":
    main()
