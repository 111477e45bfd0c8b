"""Downloader middlewares: hosts kept, retry with backoff, named redirect loops, kinds and blocks.

County portals fail in bursts (a restarting server, a busy CMS): retrying at
once mostly fails again. ``BackoffRetryMiddleware`` is Scrapy's RetryMiddleware
(same settings: RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS) that waits
``LIANZHOU_RETRY_BACKOFF_BASE * 2**(n-1)`` seconds, at most
``LIANZHOU_RETRY_BACKOFF_MAX``, before the n-th retry of a request. The wait
holds only that request; the crawl goes on.

An HTML page that ends before ``</html>`` was probably cut short in transit
even though its length matched: it is retried like a transient error. If it
is still cut after the retries, it is passed on (the extractor flags it
``page:truncated``) and the give-up is logged as a warning, not an error.

``OffHostGuard`` holds every request, every redirect hop included, to the
hosts and ports of the start URLs, whatever ``dont_filter`` says (Scrapy's
offsite filter lets a retried request's redirect through, and compares hosts,
not ports). ``RobotsTxtGuard`` reads a robots.txt
that answers 5xx as "disallow all" (RFC 9309), not as allow-all.
``RedirectLoopMiddleware`` names a redirect loop instead of losing
the article to it; ``BlockDetector`` counts requests by kind and spots block pages (its
stats feed the ``Not blocked`` monitor and the run report).
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str | None, int | None]:
    """The host and port a URL reaches (the scheme's port when none is written).

    >>> origin("http://127.0.0.1:8000/a"), origin("https://www.lianzhou.gov.cn/")
    (('127.0.0.1', 8000), ('www.lianzhou.gov.cn', 443))
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return parts.hostname, None
    return parts.hostname, port or _DEFAULT_PORTS.get(parts.scheme)


class OffHostGuard:
    """Refuse any request, at any hop, off the start URLs' hosts and ports.

    Runs before robots.txt (100), so another host's robots.txt is never read
    either. A start URL on a scheme's own port allows the other scheme's own
    port on that host too: portals switch between http and https. A refused
    redirect is an ``IgnoreRequest("off-host redirect: …")``, which the spider
    names in the run report (``off-host redirect``).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self._allowed: set[tuple[str | None, int | None]] | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def allowed(self) -> set[tuple[str | None, int | None]]:
        if self._allowed is None:
            allowed = set()
            for url in getattr(self.crawler.spider, "start_urls", ()):
                host, port = origin(url)
                allowed.add((host, port))
                if port in _DEFAULT_PORTS.values():
                    allowed.update((host, p) for p in _DEFAULT_PORTS.values())
            self._allowed = allowed
        return self._allowed

    def process_request(self, request: Request, spider=None):
        allowed = self.allowed()
        if not allowed or origin(request.url) in allowed:
            return None  # a spider without start URLs sets no bounds
        hops = request.meta.get("redirect_urls")
        if hops:
            self.crawler.stats.inc_value("lianzhou/errors/off_host_redirect")
            raise IgnoreRequest(f"off-host redirect: {hops[-1]} -> {request.url}")
        self.crawler.stats.inc_value("lianzhou/errors/off_host_request")
        raise IgnoreRequest(f"off-host request: {request.url}")


#: What a robots.txt that answers a server error means (RFC 9309, 2.3.1.4).
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class RobotsTxtGuard:
    """robots.txt as RFC 9309 reads it, for every request: Scrapy's
    RobotsTxtMiddleware (100) fetches and parses it; this makes sure of two
    things it gets wrong under Scrapy 2.19.

    * A robots.txt answering 5xx (after the retries) is "disallow all": Scrapy
      parses the error page's body, which has no rules, as allow-all.
    * Every request is held to the parsed rules. Requests that waited together
      for robots.txt (the start URLs) get the parser only if first in line:
      Twisted's ``Deferred.asFuture`` hands the next waiter ``None``, which
      Scrapy reads as "no robots.txt", allowed. The parser is taken from the
      public ``robots_parsed`` signal instead, and checked again here.

    Sits below the retry (550), so it sees the answer the retries ended with.
    Counts ``lianzhou/robotstxt/server_error`` for the health monitor, and a
    refusal in Scrapy's own ``robotstxt/forbidden``.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.user_agent = crawler.settings.get(
            "ROBOTSTXT_USER_AGENT"
        ) or crawler.settings.get("USER_AGENT")
        self.parsers: dict[str, object] = {}
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def robots_parsed(self, robotparser, request):
        self.parsers[urlsplit(request.url).netloc] = robotparser

    def process_request(self, request: Request, spider=None):
        if request.meta.get("dont_obey_robotstxt"):
            return None
        parser = self.parsers.get(urlsplit(request.url).netloc)
        if parser is not None and not parser.allowed(request.url, self.user_agent):
            self.stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest("Forbidden by robots.txt")
        return None

    def process_response(self, request: Request, response: Response, spider=None):
        if (
            response.status >= 500
            and request.meta.get("dont_obey_robotstxt")
            and urlsplit(request.url).path == "/robots.txt"
        ):
            self.stats.inc_value("lianzhou/robotstxt/server_error")
            self.stats.set_value(
                "lianzhou/robotstxt/server_error_status", response.status
            )
            return response.replace(body=DISALLOW_ALL)
        return response


def looks_truncated(response: Response) -> bool:
    content_type = response.headers.get(b"Content-Type", b"").lower()
    return (
        response.status == 200
        and b"html" in content_type
        and bool(response.body)
        and b"</html" not in response.body[-4096:].lower()
    )


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("LIANZHOU_RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("LIANZHOU_RETRY_BACKOFF_MAX")

    # Synchronous on the common path: coroutine middlewares cost every response
    # a round of asyncio tasks. Only a retry that must wait returns a Deferred.
    def process_response(self, request: Request, response: Response, spider=None):
        result = super().process_response(request, response)
        if (
            result is response
            and looks_truncated(response)
            and not request.meta.get("dont_retry")
        ):
            self.crawler.stats.inc_value("lianzhou/errors/truncated")
            quiet = request.replace(
                meta={**request.meta, "give_up_log_level": "WARNING"}
            )
            result = self._retry(quiet, "truncated body") or response
        return self._backoff(result) if isinstance(result, Request) else result

    def process_exception(self, request: Request, exception: Exception, spider=None):
        result = super().process_exception(request, exception)
        return self._backoff(result) if isinstance(result, Request) else result

    def _backoff(self, retry: Request):
        attempt = retry.meta.get("retry_times", 1)
        delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        if delay <= 0:
            return retry
        # A coroutine, not a Deferred: Scrapy 2.19 deprecates middlewares that
        # return Deferreds (a ScrapyDeprecationWarning on every retry).
        return _after(delay, retry)


async def _after(delay: float, retry: Request) -> Request:
    """``retry``, once ``delay`` seconds have passed (the reactor's clock)."""
    # Imported here: importing the reactor at module level would install
    # Twisted's default one before Scrapy installs the asyncio reactor.
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))
    return retry


class RedirectLoopMiddleware:
    """Name a redirect loop instead of losing the article to it.

    A 301 back to a URL already visited would be dropped silently by Scrapy's
    duplicate filter: no item, no error. Seen before RedirectMiddleware, such a
    response becomes an ``IgnoreRequest("redirect loop …")`` that reaches the
    spider's errback and the run report.
    """

    def process_response(self, request: Request, response: Response, spider=None):
        if (
            response.status in (301, 302, 303, 307, 308)
            and b"Location" in response.headers
        ):
            location = urljoin(
                request.url, response.headers[b"Location"].decode("latin-1")
            )
            visited = [*request.meta.get("redirect_urls", []), request.url]
            if location in visited:
                raise IgnoreRequest(f"redirect loop: {request.url} -> {location}")
        return response


#: Markers of a JavaScript challenge page served instead of content.
CHALLENGE_MARKERS = (
    "请稍候",
    "請稍候",
    "安全验证",
    "安全驗證",
    "正在验证",
    "checking your browser",
)
#: Status codes portals answer scripted clients with when they block them.
BLOCK_STATUSES = (403, 405, 412, 429)


class BlockDetector:
    """Downloader middleware: count requests by kind, and spot blocks.

    Request kinds (``listing``, ``article``, ``other`` such as robots.txt) go to
    ``lianzhou/requests/<kind>``; a response with a blocking status or a
    JavaScript challenge body counts as ``lianzhou/errors/blocked``.
    """

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_request(self, request, spider=None):
        self.stats.inc_value(
            f"lianzhou/requests/{request.meta.get('lianzhou_kind', 'other')}"
        )

    def process_response(self, request, response, spider=None):
        blocked = response.status in BLOCK_STATUSES
        if (
            not blocked
            and len(response.body) < 20_000
            and response.status in (200, 202, 503)
        ):
            head = response.body[:20_000].decode("utf-8", "ignore").lower()
            blocked = "<script" in head and any(
                m.lower() in head for m in CHALLENGE_MARKERS
            )
        if blocked:
            self.stats.inc_value("lianzhou/errors/blocked")
            urls = self.stats.get_value("lianzhou/blocked_urls") or []
            if len(urls) < 20:
                urls.append({"url": response.url, "status": response.status})
                self.stats.set_value("lianzhou/blocked_urls", urls)
        return response
