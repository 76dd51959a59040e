"""Run deploy/nginx.conf on this machine, unprivileged and on free ports: for
tests/test_nginx.py and bench/nginx_bench.py, which must run the very file an
operator installs, with only its placeholders replaced."""

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SITE_CONF = Path(__file__).with_name("nginx.conf")
MISSING = (
    "{tool} is not installed: apt-get install -y nginx openssl "
    "(.ci/run and make bench do this)"
)

# The http { } block of Debian's /etc/nginx/nginx.conf, with every path in the
# prefix, so that a directive the site file repeats fails here as it would
# there.
MAIN_CONF = """\
daemon off;
{user}
worker_processes auto;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;

events {{
    worker_connections 1024;
}}

http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    access_log {prefix}/access.log;
    gzip on;

    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;

    include {prefix}/site.conf;
}}
"""


def tool(name: str) -> str:
    """The path of nginx or openssl (Debian puts nginx in /usr/sbin, which a
    non-root PATH may lack), or RuntimeError naming how to install it."""
    found = shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if found is None:
        raise RuntimeError(MISSING.format(tool=name))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Site:
    """What replaces deploy/nginx.conf's placeholders."""

    upstream: str  # gunicorn's (or a live server's) host:port
    static_root: Path
    media_root: Path
    http_port: int
    https_port: int
    server_name: str = "127.0.0.1"


def self_signed_certificate(prefix: Path, host: str) -> tuple[Path, Path]:
    certificate, key = prefix / "cert.pem", prefix / "key.pem"
    subprocess.run(
        [
            tool("openssl"),
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={host}",
            "-addext",
            f"subjectAltName=IP:{host}",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


def _replace(text: str, placeholder: str, value: str) -> str:
    # A placeholder that is gone would leave the test running something else.
    if placeholder not in text:
        raise ValueError(f"{SITE_CONF} no longer holds the placeholder {placeholder!r}")
    return text.replace(placeholder, value)


def render(site: Site, prefix: Path) -> Path:
    """Write the site file and a main nginx.conf into prefix; return the latter."""
    certificate, key = self_signed_certificate(prefix, site.server_name)
    text = SITE_CONF.read_text()
    for placeholder, value in {
        "listen [::]:80;": "",
        "listen [::]:443 ssl http2;": "",
        "listen 80;": f"listen 127.0.0.1:{site.http_port};",
        "listen 443 ssl": f"listen 127.0.0.1:{site.https_port} ssl",
        "medspa.example.com": site.server_name,
        "/etc/ssl/medspa/fullchain.pem": str(certificate),
        "/etc/ssl/medspa/privkey.pem": str(key),
        "/srv/medspa/staticfiles/": f"{site.static_root}/",
        "/srv/medspa/media/": f"{site.media_root}/",
        "/var/cache/medspa-nginx": str(prefix / "cache"),
        "/var/log/nginx/medspa.access.log": str(prefix / "medspa.access.log"),
        "127.0.0.1:8000": site.upstream,
    }.items():
        text = _replace(text, placeholder, value)
    (prefix / "site.conf").write_text(text)
    main = prefix / "nginx.conf"
    # As root, nginx's workers would switch to a user who cannot read prefix.
    user = "user root;" if os.geteuid() == 0 else ""
    main.write_text(MAIN_CONF.format(prefix=prefix, user=user))
    return main


def command(main: Path, *args: str) -> list[str]:
    prefix = main.parent
    return [tool("nginx"), "-p", str(prefix), "-c", str(main), "-e", "stderr", *args]


def check(main: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on the rendered configuration."""
    return subprocess.run(command(main, "-t"), capture_output=True, text=True)


def start(site: Site, main: Path) -> subprocess.Popen:
    """Start nginx in the foreground; return once both ports accept connections."""
    with open(main.parent / "nginx.out", "w") as log:
        server = subprocess.Popen(command(main), stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    for port in (site.http_port, site.https_port):
        while True:
            if server.poll() is not None:
                raise RuntimeError(
                    f"nginx exited: {(main.parent / 'nginx.out').read_text()}"
                )
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    server.terminate()
                    raise RuntimeError(f"nginx did not listen on {port}") from None
                time.sleep(0.05)
    return server


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=10)
