"""A small static HTTP server for the offline site, on 127.0.0.1 over real HTTP.

It records every request it answers (path and ``Host`` header), so a test can
assert what the crawler asked for and that it never followed a link to
another host: listings link to ``localhost:<port>``, the same server under a
name that is not the crawl's, and any request carrying that host is a leak.

Run it by hand with ``python -m localsite [DIR] [--port N]``.
"""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .build import OFFSITE_PLACEHOLDER
from .hanweb import dataproxy_answer

#: Hanweb's list endpoint, answered from the records ``localsite.hanweb`` wrote.
HANWEB_PROXY_PATH = "/module/web/jpage/dataproxy.jsp"


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    status: int


#: What a blocked client gets from the Qingyuan-style portals (docs/site.md).
CHALLENGE_PAGE = (
    "<html><head><title>请稍候…</title></head><body><p>请稍候…</p>"
    "<script>document.cookie='__jsl_clearance=1';location.reload();</script></body></html>"
).encode()


@dataclass
class Fault:
    """What to do instead of serving a path, for its first ``times`` requests.

    kinds: ``status`` (answer ``status``, e.g. 500/502/503), ``slow`` (wait
    ``delay`` seconds, then serve), ``drop`` (promise the full length, send half,
    close the connection), ``truncate`` (send the first half of the page as if it
    were all of it), ``gbk_as_utf8`` (the page in GBK under a UTF-8 header, its
    meta saying gbk), ``loop`` (301 to itself), ``challenge`` (412 and the
    "请稍候…" page), ``huge`` (a ``size``-byte body; ``announce=False``: with no
    Content-Length), ``redirect`` (302 to ``location``, which may name another
    host), ``chain`` (302 to the same path with ``?hop=n+1``, without end),
    ``headers`` (``size`` bytes of response headers before the page).
    ``times=None``: always. ``then``: what to do once ``times`` is spent (a 503,
    then a redirect), instead of serving the page.
    """

    kind: str
    times: int | None = None
    status: int = 500
    delay: float = 0.0
    size: int = 30 * 1024 * 1024
    location: str = ""
    announce: bool = True
    then: Fault | None = None
    served: int = 0

    def active(self) -> bool:
        return self.times is None or self.served < self.times


@dataclass
class LocalSite:
    base_url: str  # e.g. "http://127.0.0.1:43121"
    offsite_host: str  # the other name of this server that no crawl may use
    hits: list[Hit] = field(default_factory=list)
    #: None, or "412" (every page a 412 challenge) or "challenge" (the same under 200).
    blocked: str | None = None
    #: path -> Fault, for the fault-injection tests.
    faults: dict[str, Fault] = field(default_factory=dict)
    #: path prefix -> page maker: any path under the prefix is answered with
    #: what the maker returns for it (HTML bytes; None: 404). A hostile site
    #: without end: a pager that goes on for ever, a page made on request.
    pages: dict[str, Callable[[str], bytes | None]] = field(default_factory=dict)
    #: Send ETag and Last-Modified with every page file and answer 304 to a
    #: request whose If-None-Match / If-Modified-Since match, as county web
    #: servers do for static pages. False: a server that ignores both.
    conditional: bool = True

    def paths(self) -> list[str]:
        return [hit.path for hit in self.hits]


class _Handler(SimpleHTTPRequestHandler):
    site: LocalSite
    lock: threading.Lock

    def log_message(self, format, *args):  # quiet: the hit list is the log
        pass

    def send_head(self):
        fault = self.site.faults.get(self.path.split("?", 1)[0])
        while fault is not None and not fault.active() and fault.then is not None:
            fault = fault.then
        if fault is not None and fault.active():
            with self.lock:
                fault.served += 1
            return self._fault(fault)
        path = self.path.split("?", 1)[0]
        if path == HANWEB_PROXY_PATH:
            return self._dataproxy(self.path.partition("?")[2])
        for prefix, make in self.site.pages.items():
            if path.startswith(prefix):
                page = make(path)
                if page is None:
                    self.send_error(404)
                    return None
                return self._send(200, page, "text/html; charset=utf-8")
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
        if not self.site.conditional:
            return self._send(200, data, "text/html; charset=utf-8")
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        modified = int(target.stat().st_mtime)
        if self._not_modified(etag, modified):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return None
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", formatdate(modified, usegmt=True))
        self.end_headers()
        return io.BytesIO(data)

    def do_POST(self):
        """Hanweb's dataproxy.jsp takes its parameters by POST too (a form)."""
        if self.path.split("?", 1)[0] != HANWEB_PROXY_PATH:
            self.send_error(405)
            return
        length = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(min(length, 65536)).decode("utf-8", "replace")
        query = "&".join(q for q in (self.path.partition("?")[2], form) if q)
        body = self._dataproxy(query)
        if body is not None:
            self.copyfile(body, self.wfile)

    def _dataproxy(self, query: str):
        answer = dataproxy_answer(Path(self.directory), query)
        if answer is None:
            self.send_error(404)
            return None
        return self._send(200, answer, "text/xml; charset=UTF-8")

    def _not_modified(self, etag: str, modified: int) -> bool:
        """RFC 9110 section 13.2.2: If-None-Match decides when sent; otherwise
        If-Modified-Since, a date no earlier than the file's."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
            return "*" in tags or etag in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False  # an unreadable date is ignored, as servers do
        if since is None or since.tzinfo is None:
            return False
        return modified <= since.timestamp()

    def _page_bytes(self) -> bytes:
        target = Path(self.translate_path(self.path))
        return target.read_bytes() if target.is_file() else b""

    def _send(
        self, status: int, body: bytes, content_type: str, length: int | None = None
    ):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        return io.BytesIO(body)

    def _fault(self, fault: Fault):
        html = "text/html; charset=utf-8"
        if fault.kind == "status":
            return self._send(
                fault.status, b"<html><body>Server Error</body></html>", html
            )
        if fault.kind == "slow":
            time.sleep(fault.delay)
            return self._send(200, self._page_bytes(), html)
        if fault.kind == "drop":
            page = self._page_bytes()
            self.send_response(200)
            self.send_header("Content-Type", html)
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page[: len(page) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if fault.kind == "truncate":
            page = self._page_bytes()
            return self._send(200, page[: len(page) // 2], html)
        if fault.kind == "gbk_as_utf8":
            text = self._page_bytes().decode("utf-8")
            text = text.replace("charset=utf-8", "charset=gbk").replace(
                'charset="utf-8"', 'charset="gbk"'
            )
            return self._send(200, text.encode("gb18030"), html)
        if fault.kind == "loop":
            self.send_response(301)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if fault.kind == "challenge":
            return self._send(412, CHALLENGE_PAGE, html)
        if fault.kind in ("redirect", "chain"):
            location = fault.location
            if fault.kind == "chain":
                path, _, query = self.path.partition("?hop=")
                location = f"{path}?hop={int(query or 0) + 1}"
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if fault.kind == "headers":
            page = self._page_bytes()
            self.send_response(200)
            self.send_header("Content-Type", html)
            self.send_header("Content-Length", str(len(page)))
            self.flush_headers()  # the status line first, then the filler
            try:
                line = b"X-Filler: " + b"x" * 90 + b"\r\n"
                for _ in range(fault.size // len(line)):
                    self.wfile.write(line)
                self.end_headers()
                self.wfile.write(page)
            except OSError:
                pass  # the client gave up on the headers, as it should
            self.close_connection = True
            return None
        if fault.kind == "huge":
            self.send_response(200)
            self.send_header("Content-Type", html)
            if fault.announce:
                self.send_header("Content-Length", str(fault.size))
            self.end_headers()
            try:
                chunk = b" " * 65536
                for _ in range(fault.size // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                pass  # the client cut the download, as it should
            self.close_connection = True
            return None
        raise ValueError(f"unknown fault {fault.kind!r}")

    def send_response(self, code, message=None):
        with self.lock:
            self.site.hits.append(Hit(self.headers.get("Host", ""), self.path, code))
        super().send_response(code, message)


@contextmanager
def serve(
    directory: Path | str,
    port: int = 0,
    blocked: str | None = None,
    faults: dict[str, Fault] | None = None,
    pages: dict[str, Callable[[str], bytes | None]] | None = None,
    conditional: bool = True,
) -> Iterator[LocalSite]:
    """Serve ``directory`` on 127.0.0.1 (a free port unless given) until the block ends.

    ``blocked="412"`` or ``"challenge"`` makes it answer like a portal that blocks
    scripted clients, with the "请稍候…" JavaScript page. ``faults`` maps a path
    to its ``Fault``; ``pages`` maps a path prefix to a function making the page
    for any path under it (a site without end, made on request).
    ``conditional=False`` serves pages without ETag/Last-Modified and never 304.
    """
    handler = partial(type("Handler", (_Handler,), {}), directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    bound = server.server_address[1]
    site = LocalSite(
        f"http://127.0.0.1:{bound}",
        f"localhost:{bound}",
        blocked=blocked,
        faults=faults or {},
        pages=pages or {},
        conditional=conditional,
    )
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
