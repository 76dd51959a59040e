"""Summarise Lighthouse JSON reports into a section of bench/results.md.

python bench/lighthouse_report.py DIR   (DIR holds <page>.json from lighthouse.sh)
"""

import datetime
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from run import add_results_section, say

CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# What the issue counts as page weight: everything but images and media.
WEIGHED = {"Document", "Stylesheet", "Script", "Font"}


def summarise(report: dict) -> dict:
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    requests = report["audits"]["network-requests"]["details"]["items"]
    weight = sum(
        r.get("transferSize", 0) for r in requests if r.get("resourceType") in WEIGHED
    )
    total = sum(r.get("transferSize", 0) for r in requests)
    origin = urlsplit(report["finalDisplayedUrl"]).netloc
    third_party = [
        r["url"]
        for r in requests
        if urlsplit(r["url"]).scheme != "data" and urlsplit(r["url"]).netloc != origin
    ]
    failed = [
        audit["title"]
        for audit in report["audits"].values()
        if audit.get("score") is not None
        and audit["score"] < 1
        and audit.get("scoreDisplayMode") in ("binary", "numeric")
    ]
    return {
        **scores,
        "weight": weight,
        "total": total,
        "requests": len(requests),
        "third_party": third_party,
        "failed": failed,
        "lcp": report["audits"]["largest-contentful-paint"]["displayValue"],
        "cls": report["audits"]["cumulative-layout-shift"]["displayValue"],
        "tbt": report["audits"]["total-blocking-time"]["displayValue"],
    }


def main() -> None:
    folder = Path(sys.argv[1])
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## Lighthouse {now}",
        "",
        "bench/lighthouse.sh: Lighthouse 12, mobile form factor (simulated "
        "throttling), Debian Chromium headless, against the bench site (production "
        "gunicorn, 2,000 articles) behind bench/proxy.py, which does what the "
        "production front proxy does (serves media, X-Forwarded-Proto, gzip). "
        "Weight = transferred bytes of HTML, CSS, JS and fonts (images excluded).",
        "",
        "| page | performance | accessibility | best practices | SEO | "
        "weight KB | all bytes KB | requests | LCP | CLS | TBT |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    notes = []
    for path in sorted(folder.glob("*.json")):
        result = summarise(json.loads(path.read_text()))
        lines.append(
            f"| {path.stem} | {result['performance']} | {result['accessibility']} | "
            f"{result['best-practices']} | {result['seo']} | "
            f"{result['weight'] / 1024:.1f} | {result['total'] / 1024:.1f} | "
            f"{result['requests']} | {result['lcp']} | {result['cls']} | "
            f"{result['tbt']} |"
        )
        if result["failed"]:
            notes.append(f"- {path.stem}: below 1 on " + "; ".join(result["failed"]))
        if result["third_party"]:
            notes.append(f"- {path.stem}: third-party requests {result['third_party']}")
    section = "\n".join([*lines, "", *notes]) + "\n"
    say(section)
    add_results_section(section)


if __name__ == "__main__":
    main()
