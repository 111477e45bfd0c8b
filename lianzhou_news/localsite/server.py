"""A small static HTTP server for the offline site, on 127.0.0.1 over real HTTP.

It records every request it answers (path and ``Host`` header), so a test can
assert what the crawler asked for and that it never followed a link to
another host: listings link to ``localhost:<port>``, the same server under a
name that is not the crawl's, and any request carrying that host is a leak.

Run it by hand with ``python -m lianzhou_news.localsite [DIR] [--port N]``.
"""

from __future__ import annotations

import io
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


#: What a blocked client gets from the Qingyuan-style portals (SITE.md).
CHALLENGE_PAGE = (
    "<html><head><title>请稍候…</title></head><body><p>请稍候…</p>"
    "<script>document.cookie='__jsl_clearance=1';location.reload();</script></body></html>"
).encode()


@dataclass
class LocalSite:
    base_url: str  # e.g. "http://127.0.0.1:43121"
    offsite_host: str  # the other name of this server that no crawl may use
    hits: list[Hit] = field(default_factory=list)
    #: None, or "412" (every page a 412 challenge) or "challenge" (the same under 200).
    blocked: str | None = None

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]


class _Handler(SimpleHTTPRequestHandler):
    site: LocalSite
    lock: threading.Lock

    def log_message(self, format, *args):  # quiet: the hit list is the log
        pass

    def send_head(self):
        if self.site.blocked:
            self.send_response(412 if self.site.blocked == "412" else 200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(CHALLENGE_PAGE)))
            self.end_headers()
            return io.BytesIO(CHALLENGE_PAGE)
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
        return io.BytesIO(data)

    def send_response(self, code, message=None):
        with self.lock:
            self.site.hits.append(Hit(self.headers.get("Host", ""), self.path, code))
        super().send_response(code, message)


@contextmanager
def serve(
    directory: Path | str, port: int = 0, blocked: str | None = None
) -> Iterator[LocalSite]:
    """Serve ``directory`` on 127.0.0.1 (a free port unless given) until the block ends.

    ``blocked="412"`` or ``"challenge"`` makes it answer like a portal that blocks
    scripted clients, with the "请稍候…" JavaScript page.
    """
    handler = partial(type("Handler", (_Handler,), {}), directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    bound = server.server_address[1]
    site = LocalSite(f"http://127.0.0.1:{bound}", f"localhost:{bound}", blocked=blocked)
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
