"""A stand-in for the production front proxy, for browser checks (Lighthouse).

What nginx or a load balancer does in front of gunicorn in production: serves
MEDIA files itself, sets X-Forwarded-Proto (TLS ends at the proxy) and
X-Forwarded-For, and gzips text responses. Plain HTTP on 127.0.0.1 only.

    python bench/proxy.py LISTEN_PORT UPSTREAM_PORT MEDIA_ROOT
"""

import gzip
import http.client
import mimetypes
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
}
COMPRESSIBLE = ("text/", "application/json", "application/xml", "application/rss")


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream_port = 0
    media_root = Path()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):
        self.forward()

    def do_HEAD(self):
        self.forward()

    def do_POST(self):
        self.forward()

    def forward(self):
        if self.path.startswith("/media/"):
            return self.media()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-Proto"] = "https"
        headers["X-Forwarded-For"] = self.client_address[0]
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port)
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        content = response.read()
        upstream.close()
        kind = response.getheader("Content-Type", "")
        encoding = response.getheader("Content-Encoding")
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        compress = (
            not encoding and accepts_gzip and kind.startswith(COMPRESSIBLE) and content
        )
        if compress:
            content = gzip.compress(content, 6)
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        if compress or encoding:
            self.send_header("Content-Encoding", encoding or "gzip")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    def media(self):
        name = self.path.split("?", 1)[0].removeprefix("/media/")
        path = (self.media_root / name).resolve()
        if not path.is_relative_to(self.media_root) or not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", mimetypes.guess_type(path.name)[0] or "")
        self.send_header("Cache-Control", "public, max-age=31536000")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def main() -> None:
    listen, upstream, media_root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    Proxy.upstream_port = upstream
    Proxy.media_root = Path(media_root).resolve()
    ThreadingHTTPServer(("127.0.0.1", listen), Proxy).serve_forever()


if __name__ == "__main__":
    main()
