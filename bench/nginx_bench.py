"""`make bench` through the front tier: the article, home and article-list pages
through deploy/nginx.conf (TLS, gzip, the 1 s micro-cache) in front of the bench's
production gunicorn, against nginx's own static ceiling, the same ceiling file
(a copy of the article HTML) served by the same nginx from STATIC_ROOT.

Pages and ceiling are measured alike: over TLS with keep-alive, no
Accept-Encoding (as in the main table), by bench/run.py's wrk runner. A
production clinic runs nginx exactly so, only with its own certificate.
"""

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy import nginx_local  # noqa: E402

PAGES = ("article detail", "home", "article list")
TARGET_RATIO = 0.5
SERVED_FROM_CACHE = ("HIT", "STALE", "UPDATING")


def cache_hits(access_log: Path) -> float:
    """The share of logged responses the micro-cache served (HIT or STALE/UPDATING)."""
    lines = access_log.read_text().splitlines()
    # The log format's last field (deploy/nginx.conf, "medspa").
    served = [line for line in lines if line.split()[-1] in SERVED_FROM_CACHE]
    return len(served) / max(1, len(lines))


def run(
    load: Callable[[str, str], dict],
    *,
    upstream_port: int,
    pages: list[dict],
    ceiling_path: str,
    media_root: Path,
    work: Path,
) -> list[str]:
    """Start nginx in front of gunicorn on upstream_port, measure with load
    (bench/run.py's: wrk after a warm-up), stop it; return the report's section
    (a table and the target's line)."""
    prefix = work / "nginx"
    shutil.rmtree(prefix, ignore_errors=True)
    prefix.mkdir(parents=True)
    site = nginx_local.Site(
        upstream=f"127.0.0.1:{upstream_port}",
        static_root=ROOT / "staticfiles",
        media_root=media_root,
        http_port=nginx_local.free_port(),
        https_port=nginx_local.free_port(),
    )
    main = nginx_local.render(site, prefix)
    server = nginx_local.start(site, main)
    base = f"https://127.0.0.1:{site.https_port}"
    access_log = prefix / "medspa.access.log"
    measured = [row for row in pages if row["name"] in PAGES and row["status"] == 200]
    try:
        ceilings = [load(base, ceiling_path)]
        for row in measured:
            access_log.write_text("")  # nginx appends: each page counts its own
            row["nginx"] = load(base, row["path"]) | {"hits": cache_hits(access_log)}
        ceilings.append(load(base, ceiling_path))
    finally:
        nginx_local.stop(server)
    return report(measured, ceilings, ceiling_path)


def response_kb(result: dict) -> str:
    """Bytes a response as wrk counted them, headers included."""
    return f"{result['bytes'] / max(1, result['requests']) / 1024:.1f}"


def report(rows: list[dict], ceilings: list[dict], ceiling_path: str) -> list[str]:
    ceiling_rps = sum(c["rps"] for c in ceilings) / len(ceilings)
    lines = [
        "Through nginx (deploy/nginx.conf: TLS, 1 s micro-cache) in front of the "
        "same gunicorn; the ceiling is the same file served by that nginx "
        f"({', '.join(f'{c["rps"]:.0f}' for c in ceilings)} req/s).",
        "",
        "| page, through nginx | path | req/s | p50 ms | p99 ms | × nginx ceiling | "
        "KB a response | from the micro-cache | errors |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
        f"| ceiling (static, same size) | `{ceiling_path}` | {ceiling_rps:.0f} | "
        f"{max(c['p50_us'] for c in ceilings) / 1000:.1f} | "
        f"{max(c['p99_us'] for c in ceilings) / 1000:.1f} | 1.00 | "
        f"{response_kb(ceilings[0])} | – | {sum(c['errors'] for c in ceilings)} |",
    ]
    ratios = []
    for row in rows:
        result = row["nginx"]
        ratio = result["rps"] / ceiling_rps
        ratios.append(f"{row['name']} {ratio:.2f}×")
        lines.append(
            f"| {row['name']} | `{row['path']}` | {result['rps']:.0f} | "
            f"{result['p50_us'] / 1000:.1f} | {result['p99_us'] / 1000:.1f} | "
            f"{ratio:.2f} | {response_kb(result)} | {result['hits']:.2%} | "
            f"{result['errors']} |"
        )
    met = len(rows) == len(PAGES) and all(
        row["nginx"]["rps"] >= TARGET_RATIO * ceiling_rps and not row["nginx"]["errors"]
        for row in rows
    )
    lines += [
        "",
        f"- through nginx ≥ {TARGET_RATIO}× nginx's static ceiling, each of "
        f"{', '.join(PAGES)}: {', '.join(ratios) or 'not measured'} "
        f"{'MET' if met else 'MISSED'}",
    ]
    return lines
