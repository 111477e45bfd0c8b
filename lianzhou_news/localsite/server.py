"""A small static HTTP server for the offline site, on 127.0.0.1 over real HTTP.

It records every request it answers (path and ``Host`` header), so a test can
assert what the crawler asked for and that it never followed a link to
another host: listings link to ``localhost:<port>``, the same server under a
name that is not the crawl's, and any request carrying that host is a leak.

Run it by hand with ``python -m lianzhou_news.localsite [DIR] [--port N]``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .build import OFFSITE_PLACEHOLDER


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    status: int


@dataclass
class LocalSite:
    base_url: str  # e.g. "http://127.0.0.1:43121"
    offsite_host: str  # the other name of this server that no crawl may use
    hits: list[Hit] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]


class _Handler(SimpleHTTPRequestHandler):
    site: LocalSite
    lock: threading.Lock

    def log_message(self, format, *args):  # quiet: the hit list is the log
        pass

    def send_head(self):
        path = self.translate_path(self.path)
        target = Path(path)
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            return super().send_head()  # 404 and redirects as usual
        if target.suffix != ".html":
            return super().send_head()
        data = target.read_bytes().replace(
            OFFSITE_PLACEHOLDER.encode(), self.site.offsite_host.encode()
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        import io

        return io.BytesIO(data)

    def send_response(self, code, message=None):
        with self.lock:
            self.site.hits.append(Hit(self.headers.get("Host", ""), self.path, code))
        super().send_response(code, message)


@contextmanager
def serve(directory: Path | str, port: int = 0) -> Iterator[LocalSite]:
    """Serve ``directory`` on 127.0.0.1 (a free port unless given) until the block ends."""
    handler = partial(type("Handler", (_Handler,), {}), directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    bound = server.server_address[1]
    site = LocalSite(f"http://127.0.0.1:{bound}", f"localhost:{bound}")
    handler.func.site = site
    handler.func.lock = threading.Lock()
    thread = threading.Thread(
        target=server.serve_forever, name="localsite", daemon=True
    )
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
