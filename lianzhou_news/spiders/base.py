"""The listing -> article crawl shared by the Guangdong government portal family.

A county spider only sets class attributes (name, site_name, default start
URLs, optionally selectors or a loader subclass); all parsing is pure and
lives in ``lianzhou_news.extract``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError

from ..extract import SiteSelectors, extract_article, extract_listing
from ..extractpool import ExtractionPool, ExtractionWorkerLost
from ..fleet import Fleet, RedisStateStore
from ..loaders import ArticleLoader
from ..schemes import GUANGDONG_PLATFORM, UrlScheme
from ..state import StateStore, new_run_id

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


class _RunPlaceholders(dict):
    def __missing__(self, key):
        return f"%({key})s"


_RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def parse_start_urls(value: str) -> list[str]:
    """Split and check ``-a start_urls=URL[,URL...]``; raise ValueError on bad input.

    >>> parse_start_urls("http://127.0.0.1:8000/a/, http://127.0.0.1:8000/b/")
    ['http://127.0.0.1:8000/a/', 'http://127.0.0.1:8000/b/']
    >>> parse_start_urls("www.lianzhou.gov.cn/zwgk/")
    Traceback (most recent call last):
    ...
    ValueError: start_urls: 'www.lianzhou.gov.cn/zwgk/' is not an http(s) URL (did you mean 'https://www.lianzhou.gov.cn/zwgk/'?)
    """
    urls = [url.strip() for url in value.split(",") if url.strip()]
    if not urls:
        raise ValueError("start_urls: no URL given")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"start_urls: {url!r} is not an http(s) URL (did you mean 'https://{url}'?)"
            )
    return urls


class PlatformNewsSpider(scrapy.Spider):
    """Walk each column's listing pages and extract every article they list.

    Arguments (``-a``):
      start_urls  comma-separated listing pages to start from (replaces the
                  defaults); the allowed domains follow from their hosts.
      run_id      names the run's output file (default: UTC start time plus a
                  random suffix; with JOBDIR, ``job-<JOBDIR name>`` so that a
                  resumed job appends to its own file). In distributed mode
                  (``REDIS_URL``) it names the fleet run, and each worker's
                  file is ``<run>.<worker>``.
      full        ``1`` walks every listing page and re-fetches every article
                  (still emitting only what is new or changed).

    Incremental runs (the default once a column has been walked to its end):
    the newest ``LIANZHOU_REVISIT_PAGES`` listing pages of each column are always
    read and the articles listed there re-fetched when last fetched
    ``LIANZHOU_REFETCH_AFTER_DAYS`` or more ago (edits show up); further pages
    are read only while they list articles the state store does not know.
    """

    #: The publisher recorded in every item's ``site`` field.
    site_name: str = ""
    #: Listing pages crawled when no ``-a start_urls`` is given.
    default_start_urls: tuple[str, ...] = ()
    #: First extraction layer, for a skin whose markup is known.
    selectors: SiteSelectors = SiteSelectors()
    loader_class: type[ArticleLoader] = ArticleLoader
    #: The CMS family's URL scheme: article ids, listing pages, columns.
    url_scheme: UrlScheme = GUANGDONG_PLATFORM

    def __init__(
        self,
        *args,
        start_urls: str | None = None,
        run_id: str | None = None,
        full: str | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.start_urls = (
            parse_start_urls(start_urls)
            if start_urls
            else list(self.default_start_urls)
        )
        if not self.start_urls:
            raise ValueError(
                f"{self.name}: no start URLs; pass -a start_urls=URL[,URL...]"
            )
        if full not in (None, "", "0", "1"):
            raise ValueError(f"full: expected 0 or 1, got {full!r}")
        self.full = full == "1"
        # Offsite filtering by host; extract_listing already keeps only the
        # exact host:port of the listing, so other ports never get this far.
        self.allowed_domains = sorted(
            {urlsplit(url).hostname for url in self.start_urls}
        )
        if run_id is not None and not _RUN_ID_RE.match(run_id):
            # It names files: no slashes, no dots at the start, nothing exotic.
            raise ValueError(f"run_id: {run_id!r} must match {_RUN_ID_RE.pattern}")
        self.run_id = run_id
        #: Columns whose last listing page this run reached.
        self.walked_columns: set[str] = set()
        #: The state store (``lianzhou_news.state``), or None when disabled.
        self.store: StateStore | RedisStateStore | None = None
        #: This worker's fleet membership in distributed mode (``REDIS_URL``).
        self.fleet: Fleet | None = None
        #: Worker processes extracting articles (``LIANZHOU_EXTRACT_PROCESSES``),
        #: or None: extraction in the crawler's own thread.
        self.extraction: ExtractionPool | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        if settings.get("TWISTED_REACTOR") != ASYNCIO_REACTOR:
            # The feed's background sync and the extraction workers report
            # back through asyncio.
            raise ValueError(
                f"TWISTED_REACTOR: lianzhou_news needs Scrapy's default {ASYNCIO_REACTOR}"
            )
        spider._start_extraction_pool(settings)
        jobdir = settings.get("JOBDIR")
        if settings.get("REDIS_URL"):
            spider._join_fleet(settings)
            return spider
        if not spider.run_id:
            spider.run_id = f"job-{Path(jobdir).name}" if jobdir else new_run_id()
        outputs = [spider.run_path(uri) for uri in settings.getdict("FEEDS")]
        uri = settings.get("LIANZHOU_OUTPUT_URI")
        if uri and "://" not in uri and not jobdir:
            output = Path(spider.run_path(uri))
            if output.exists():
                # Feeds overwrite; an earlier run's items must never be lost to a reused id.
                raise ValueError(f"{output} exists already: choose another -a run_id")
        state_dir = settings.get("LIANZHOU_STATE_DIR")
        if state_dir:
            spider.store = StateStore(state_dir, spider.name)  # raises StateLocked
            for note in spider.store.open_run(spider.run_id, outputs):
                spider.logger.warning("reconciled an interrupted run: %s", note)
        return spider

    def _start_extraction_pool(self, settings) -> None:
        """``LIANZHOU_EXTRACT_PROCESSES`` > 0: extract in worker processes."""
        value = settings.get("LIANZHOU_EXTRACT_PROCESSES", 0)
        try:
            processes = int(value)
        except (TypeError, ValueError):
            processes = -1
        if processes < 0:
            raise ValueError(
                f"LIANZHOU_EXTRACT_PROCESSES: expected 0 (extract in the crawler) "
                f"or a number of worker processes, got {value!r}"
            )
        if processes:
            self.extraction = ExtractionPool(processes)
            self.crawler.signals.connect(
                self.extraction.start, signal=signals.spider_opened
            )
            self.crawler.signals.connect(
                self._close_extraction_pool, signal=signals.spider_closed
            )

    def _close_extraction_pool(self) -> None:
        restarts = self.extraction.restarts
        self.extraction.close()
        if restarts:
            self.crawler.stats.set_value("lianzhou/extraction/pool_restarts", restarts)

    def _join_fleet(self, settings) -> None:
        """Distributed mode: join the fleet run in Redis (``lianzhou_news.fleet``)."""
        if settings.get("JOBDIR"):
            raise ValueError(
                "JOBDIR and REDIS_URL exclude each other: a fleet's queue is in Redis"
            )
        self.fleet = Fleet.connect(settings, self.name)
        self.fleet.join(
            settings.get("LIANZHOU_WORKER"),
            settings.get("LIANZHOU_STATE_DIR") or "state",
            self.run_id,
        )
        self.run_id = f"{self.fleet.run}.{self.fleet.worker}"
        if not _RUN_ID_RE.match(self.run_id):
            raise ValueError(
                f"worker {self.fleet.worker!r}: names files, so it must match "
                f"{_RUN_ID_RE.pattern}"
            )
        self.fleet.register_outputs(
            [self.run_path(uri) for uri in settings.getdict("FEEDS")]
        )
        self.store = RedisStateStore(self.fleet, self.crawler)
        settled = self.fleet.recover()
        if any(settled.values()):
            self.logger.warning(
                "fleet: settled what an earlier %s left: %d request(s) queued again, "
                "%d article(s) recorded from its file, %d queued to fetch again",
                self.fleet.worker,
                settled["requeued"],
                settled["recorded"],
                settled["released"],
            )
        self.logger.info(
            "fleet: worker %s in run %s of %s",
            self.fleet.worker,
            self.fleet.run,
            settings.get("REDIS_URL"),
        )

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        distributed = bool(settings.get("REDIS_URL"))
        if distributed:
            # scrapy-redis holds the queue and the duplicate filter; the fleet
            # module adds claims, so that a dead worker's requests come back.
            for name, value in {
                "SCHEDULER": "lianzhou_news.fleet.FleetScheduler",
                "SCHEDULER_QUEUE_CLASS": "lianzhou_news.fleet.ClaimingQueue",
                "SCHEDULER_PERSIST": True,
                "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
                # JSON, not scrapy-redis's default pickle: unpickling what a
                # shared Redis holds would let anyone who can write to it run code.
                "SCHEDULER_SERIALIZER": "lianzhou_news.requestcodec",
            }.items():
                settings.set(name, value, priority="spider")
        # Called before the settings freeze and after -o/-O have set FEEDS.
        uri = settings.get("LIANZHOU_OUTPUT_URI")
        if uri and not settings.getdict("FEEDS"):
            # A JOBDIR job, or a fleet worker, appends when resumed (restarted);
            # a plain run starts its own file.
            overwrite = not settings.get("JOBDIR") and not distributed
            feed = {"format": "jsonlines", "encoding": "utf8", "overwrite": overwrite}
            settings.set("FEEDS", {uri: feed}, priority="spider")

    def run_path(self, uri: str) -> str:
        """A path setting with this run's ``%(name)s`` and ``%(run_id)s`` filled in
        (other placeholders, such as Scrapy's ``%(time)s``, are left as written)."""
        return str(uri) % _RunPlaceholders(name=self.name, run_id=self.run_id or "")

    async def start(self):
        if self.fleet is not None and not self.fleet.claim_seed():
            self.logger.info(
                "fleet: run %s is seeded already; joining it", self.fleet.run
            )
            return
        for url in self.start_urls:
            yield self._listing_request(url)

    def _listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta={"lianzhou_kind": "listing"},
        )

    def listing_failed(self, failure):
        """A listing page that could not be read: its column's walk ends here in
        this run (and the column is not marked walked, so the next run tries
        again). Named in the report with its reason."""
        stats = self.crawler.stats
        stats.inc_value("lianzhou/listing/failed")
        _name_in_report(
            stats,
            "lianzhou/listing/failed_urls",
            failure.request.url,
            failure_reason(failure),
            limit=200,
        )

    def parse_listing(self, response: Response):
        stats = self.crawler.stats
        stats.inc_value("lianzhou/listing/pages")
        if not isinstance(response, TextResponse):
            stats.inc_value("lianzhou/listing/not_html")
            self.logger.warning("listing page is not HTML: %s", response.url)
            return
        listing = extract_listing(response, scheme=self.url_scheme)
        if not listing.entries:
            # The column has ended (or its markup changed): never page past it.
            stats.inc_value("lianzhou/listing/empty")
            self.logger.warning("no article links on listing page %s", response.url)
            return
        stats.inc_value("lianzhou/listing/links", len(listing.entries))
        page = self.url_scheme.page_number(response.url)
        # A column is known by its path: the same on a mirror or another port.
        column = self.url_scheme.column(response.url)
        pages_read = stats.get_value(f"lianzhou/column{column}/pages_read", 0)
        settings = self.crawler.settings
        revisit_pages = settings.getint("LIANZHOU_REVISIT_PAGES")
        refetch_after = timedelta(days=settings.getfloat("LIANZHOU_REFETCH_AFTER_DAYS"))
        unknown_here = False
        for entry in listing.entries:
            known = self.store.known(entry.article_id) if self.store else None
            unknown_here = unknown_here or known is None
            if (
                self.full
                or known is None
                or (page <= revisit_pages and known.due_for_refetch(refetch_after))
            ):
                yield response.follow(
                    entry.url,
                    callback=self.parse_article,
                    errback=self.article_failed,
                    cb_kwargs={
                        "listing_channel": listing.channel,
                        "listing_date": entry.date,
                    },
                    meta={"lianzhou_kind": "article"},
                )
            else:
                stats.inc_value("lianzhou/article/skipped_known")
        next_page = page + 1
        declared = listing.total_pages
        has_next = (declared is not None and next_page <= declared) or (
            declared is None and next_page in listing.page_numbers
        )
        stats.set_value(f"lianzhou/column{column}/pages_read", pages_read + 1)
        stats.inc_value(f"lianzhou/column{column}/links", len(listing.entries))
        if page == 1 and listing.declared_items:
            stats.set_value(f"lianzhou/column{column}/declared", listing.declared_items)
        if not has_next:
            self.walked_columns.add(column)
            if self.fleet is not None and not self.fleet.unavailable:
                # Fleet-wide: whichever worker ends the run marks it walked.
                self.fleet.note_walked([column])
            if pages_read + 1 == page:
                # Every page of this column was read in this run: its links
                # can be held against what its pager declared.
                stats.set_value(f"lianzhou/column{column}/walked_whole", True)
        elif (
            self.full
            or self.store is None
            or not self.store.column_walked(column)
            or unknown_here
            or next_page <= revisit_pages
        ):
            yield self._listing_request(
                self.url_scheme.listing_page_url(response.url, next_page)
            )

    async def parse_article(
        self,
        response: Response,
        listing_channel: str | None = None,
        listing_date: str | None = None,
    ):
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("lianzhou/article/not_html")
            self.logger.warning("article page is not HTML: %s", response.url)
            return
        options = {
            "now": datetime.now(UTC),
            "site": self.site_name,
            "listing_channel": listing_channel,
            "listing_date": listing_date,
            "selectors": self.selectors,
            "loader_class": self.loader_class,
            "scheme": self.url_scheme,
        }
        if self.extraction is None:
            item = extract_article(response, **options)
        else:
            try:
                item = await self.extraction.extract(response, **options)
            except ExtractionWorkerLost:
                self._count_article_failure(response.url, "extraction worker lost")
                return
            self.crawler.stats.inc_value("lianzhou/extraction/in_workers")
        if self.fleet is not None:
            self.fleet.sources[item] = response.request
        yield item

    def article_failed(self, failure):
        """An article that could not be fetched: counted and named in the report."""
        stats = self.crawler.stats
        reason = failure_reason(failure)
        if reason == "not allowed":
            # robots.txt or the offsite filter said no: a decision, not a failure.
            stats.inc_value("lianzhou/article/not_allowed")
            return
        self._count_article_failure(failure.request.url, reason)

    def _count_article_failure(self, url: str, reason: str) -> None:
        """Counted, named in the report, and the run is not trusted as complete."""
        stats = self.crawler.stats
        stats.inc_value("lianzhou/article/failed")
        stats.inc_value(f"lianzhou/article/failed/{reason}")
        if self.fleet is not None and not self.fleet.unavailable:
            self.fleet.note_failure()
        _name_in_report(stats, "lianzhou/article/failed_urls", url, reason, limit=500)


def _name_in_report(stats, key: str, url: str, reason: str, limit: int) -> None:
    """Add ``{url, reason}`` to the stats list the run report shows, up to ``limit``."""
    named = stats.get_value(key) or []
    if len(named) < limit:
        named.append({"url": url, "reason": reason})
        stats.set_value(key, named)


def failure_reason(failure) -> str:
    """A short, stable name for why a download failed, for the run report."""
    if failure.check(HttpError):
        return str(failure.value.response.status)
    message = failure.getErrorMessage()
    if failure.check(IgnoreRequest):
        if "robots.txt" in message or "offsite" in message.lower():
            return "not allowed"
        if "redirect" in message:
            return "redirect loop"
        return "ignored"
    name = failure.type.__name__
    if "Timeout" in name or "TimedOut" in name:
        return "timeout"
    if "DNS" in name:
        return "dns"
    if "Cancelled" in name and "size" in message:
        return "oversize"  # cut by DOWNLOAD_MAXSIZE
    if name in (
        "ResponseFailed",
        "ConnectionLost",
        "PotentialDataLoss",
        "ConnectionDone",
    ):
        return "connection lost"
    return name
