"""Per page: status, SQL queries (cold and warm cache) and HTML size, measured in
a Django process against the bench database; also writes the ceiling file.

Prints JSON for bench/run.py. Runs with the same production environment as the
benchmarked gunicorn.
"""

import gzip
import json
import sys

from _django import setup

setup()

import bench_pages  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

HEADERS = {"HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https"}


def measure(client: Client, path: str) -> dict:
    counts = []
    for _ in range(2):  # cold, then warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, **HEADERS)
        counts.append(len(queries))
    body = response.content
    return {
        "status": response.status_code,
        "queries_cold": counts[0],
        "queries": counts[1],
        "html_bytes": len(body),
        "gzip_bytes": len(gzip.compress(body, 6)),
        "body": body,
    }


def main() -> None:
    client = Client()
    pages = []
    ceiling_body = None
    for name, path in bench_pages.get_pages():
        result = measure(client, path)
        if name == bench_pages.CEILING_PAGE and result["status"] == 200:
            ceiling_body = result["body"]
        del result["body"]
        pages.append({"name": name, "path": path, **result})
    if ceiling_body is None:  # until the article page exists, the home page
        ceiling_body = measure(client, "/")["body"]
    # A copy of the article HTML: same size, served by the same WhiteNoise.
    ceiling = settings.STATIC_ROOT / "bench" / "ceiling.html"
    ceiling.parent.mkdir(exist_ok=True)
    ceiling.write_bytes(ceiling_body)
    sys.stdout.write(
        json.dumps(
            {
                "pages": pages,
                "ceiling": {
                    "path": f"/{settings.STATIC_URL.strip('/')}/bench/ceiling.html",
                    "file": "bench/ceiling.html",
                    "bytes": len(ceiling_body),
                },
                "data": bench_pages.describe_data(),
            }
        )
    )


if __name__ == "__main__":
    main()
