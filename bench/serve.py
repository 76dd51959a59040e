"""Serve the bench site as production runs it, for browser checks, until stopped.

gunicorn (DJANGO_DEBUG=0) on the bench database (reused if present, else made by
bench/generate.py) behind bench/proxy.py, which plays the front proxy: it serves
media, sets X-Forwarded-Proto and gzips text. Prints "SERVING <url> <article path>".
"""

import signal
import subprocess
import sys
import time

from run import (
    PY,
    WORK,
    free_port,
    log,
    prepare_site,
    production_env,
    say,
    start_gunicorn,
    wait_until_up,
)


def main() -> None:
    port = free_port()
    env = production_env(port)
    measured = prepare_site(env, reuse=True)
    server = start_gunicorn(env)
    proxy_port = free_port()
    proxy = subprocess.Popen(
        [PY, "bench/proxy.py", str(proxy_port), str(port), str(WORK / "media")]
    )
    # SIGTERM (the shell script's trap) unwinds through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server)
        article = next(
            p["path"] for p in measured["pages"] if p["name"] == "article detail"
        )
        say(f"SERVING http://127.0.0.1:{proxy_port} {article}")
        while server.poll() is None and proxy.poll() is None:
            time.sleep(1)
        log("gunicorn or the proxy stopped")
    finally:
        for process in (proxy, server):
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
