"""The listing -> article crawl shared by the Guangdong government portal family.

A county spider only sets class attributes (name, site_name, default start
URLs, optionally selectors or a loader subclass); all parsing is pure and
lives in ``lianzhou_news.extract``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from .. import conditional
from ..extract import SiteSelectors, extract_article, extract_listing
from ..extractpool import ExtractionWorkerLost
from ..loaders import ArticleLoader
from ..report import failure_reason, first_url, name_in_report
from ..run import RunContext, configure_settings
from ..schemes import GUANGDONG_PLATFORM, UrlScheme


def parse_start_urls(value: str) -> list[str]:
    """Split and check ``-a start_urls=URL[,URL...]``; raise ValueError on bad input.

    >>> parse_start_urls("http://127.0.0.1:8000/a/, http://127.0.0.1:8000/b/")
    ['http://127.0.0.1:8000/a/', 'http://127.0.0.1:8000/b/']
    >>> parse_start_urls("www.lianzhou.gov.cn/zwgk/")
    Traceback (most recent call last):
    ...
    ValueError: start_urls: 'www.lianzhou.gov.cn/zwgk/' is not an http(s) URL (did you mean 'https://www.lianzhou.gov.cn/zwgk/'?)
    >>> parse_start_urls("file:///etc/passwd")
    Traceback (most recent call last):
    ...
    ValueError: start_urls: 'file:///etc/passwd' is not an http(s) URL
    """
    urls = [url.strip() for url in value.split(",") if url.strip()]
    if not urls:
        raise ValueError("start_urls: no URL given")
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            # Suggest https:// only for a URL written without any scheme.
            hint = "" if "://" in url else f" (did you mean 'https://{url}'?)"
            raise ValueError(f"start_urls: {url!r} is not an http(s) URL{hint}")
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
    #: 304 Not Modified reaches the callbacks (``lianzhou_news.conditional``).
    handle_httpstatus_list: ClassVar[list[int]] = [304]

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
        #: The ``-a run_id`` argument, checked when the run opens.
        self.run_id_argument = run_id
        #: The run this spider crawls for (``lianzhou_news.run``): its state
        #: store, fleet membership and extraction pool. Set by ``from_crawler``.
        self.run: RunContext | None = None

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.run = RunContext.open(crawler, spider.run_id_argument)
        return spider

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        configure_settings(settings)

    async def start(self):
        fleet = self.run.fleet
        if fleet is not None and not fleet.claim_seed():
            self.logger.info("fleet: run %s is seeded already; joining it", fleet.run)
            return
        for url in self.start_urls:
            yield self._listing_request(url)

    def _listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta={"lianzhou_kind": "listing", conditional.ASK: not self.full},
        )

    def listing_failed(self, failure):
        """A listing page that could not be read: its column's walk ends here in
        this run (and the column is not marked walked, so the next run tries
        again). Named in the report with its reason."""
        stats = self.crawler.stats
        stats.inc_value("lianzhou/listing/failed")
        name_in_report(
            stats,
            "lianzhou/listing/failed_urls",
            first_url(failure.request),
            failure_reason(failure),
            limit=200,
        )

    def parse_listing(self, response: Response, stale_pages: int = 0):
        """Follow a listing page's articles and, while the column goes on, its next page.

        ``stale_pages``: the pages in a row before this one that listed no
        article this run had not seen listed in the column already. The walk
        stops early, named in the report, after ``LIANZHOU_COLUMN_STALE_PAGES``
        such pages (the same articles on every page, forever) or at page
        ``LIANZHOU_COLUMN_MAX_PAGES`` (a pager that never ends); such a column
        is not marked walked.
        """
        stats = self.crawler.stats
        stats.inc_value("lianzhou/listing/pages")
        if response.status == 304:
            listing = self.run.revalidation.listing(response)
            if listing is None:
                self._unasked_304(response, "lianzhou/listing/failed_urls")
                stats.inc_value("lianzhou/listing/failed")
                return
            page = self.url_scheme.page_number(response.url)
            column = self.url_scheme.column(response.url)
            yield from self._follow_listing(
                response, listing, stale_pages, page, column
            )
            return
        if not isinstance(response, TextResponse):
            stats.inc_value("lianzhou/listing/not_html")
            self.logger.warning("listing page is not HTML: %s", response.url)
            return
        try:
            listing = extract_listing(response, scheme=self.url_scheme)
            page = self.url_scheme.page_number(response.url)
            # A column is known by its path: the same on a mirror or another port.
            column = self.url_scheme.column(response.url)
        except Exception as error:  # a page the extractor cannot read: a named failure
            self._count_parse_failure(error, response.url)
            stats.inc_value("lianzhou/listing/failed")
            name_in_report(
                stats,
                "lianzhou/listing/failed_urls",
                response.url,
                _parse_error(error),
                limit=200,
            )
            return
        if listing.entries:
            self.run.revalidation.listing_read(response, listing)
        yield from self._follow_listing(response, listing, stale_pages, page, column)

    def _follow_listing(
        self, response: Response, listing, stale_pages: int, page: int, column: str
    ):
        """The articles and next page of a listing page, read now or (a 304)
        as it was when last read."""
        stats = self.crawler.stats
        if not listing.entries:
            # The column has ended (or its markup changed): never page past it.
            stats.inc_value("lianzhou/listing/empty")
            self.logger.warning("no article links on listing page %s", response.url)
            return
        stats.inc_value("lianzhou/listing/links", len(listing.entries))
        pages_read = stats.get_value(f"lianzhou/column{column}/pages_read", 0)
        settings = self.crawler.settings
        revisit_pages = settings.getint("LIANZHOU_REVISIT_PAGES")
        refetch_after = timedelta(days=settings.getfloat("LIANZHOU_REFETCH_AFTER_DAYS"))
        store = self.run.store
        unknown_here = False
        crawler = self.crawler
        for entry in listing.entries:
            if crawler.engine is not None and not crawler.crawling:
                # Stopping (SIGINT, SIGTERM): the run ends without queueing
                # the rest of a listing (50,000 links are 20 s of requests).
                # The page itself is queued again, so that a resumed JOBDIR
                # job reads it again; the links queued already are filtered
                # there as seen.
                yield response.request.replace(dont_filter=True)
                return
            known = store.known(entry.article_id) if store else None
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
                    meta={
                        "lianzhou_kind": "article",
                        # Only a refetch of an article the state holds.
                        conditional.ASK: known is not None and not self.full,
                    },
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
            self.run.column_walked(column)
            if pages_read + 1 == page:
                # Every page of this column was read in this run: its links
                # can be held against what its pager declared.
                stats.set_value(f"lianzhou/column{column}/walked_whole", True)
            return
        new_here = self.run.listed_in_column(
            column, [entry.article_id for entry in listing.entries]
        )
        stale_pages = 0 if new_here else stale_pages + 1
        revisit_only = not (
            self.full
            or store is None
            or not store.column_walked(column)
            or unknown_here
        )
        if revisit_only and next_page > revisit_pages:
            return  # an incremental run stops at pages it knows
        stop = _stop_reason(settings, next_page, stale_pages)
        if stop:
            # A pager without end: stopped, named, and the column not marked walked.
            stats.inc_value("lianzhou/listing/stopped_early")
            name_in_report(
                stats, "lianzhou/listing/stopped_early_urls", response.url, stop, 200
            )
            self.logger.warning("column %s stopped early: %s", column, stop)
            return
        next_url = self.url_scheme.listing_page_url(response.url, next_page)
        saved = (
            self.run.revalidation.saved_listing(next_url)
            if revisit_only and response.status == 304
            else None
        )
        if saved is not None:
            # This page answered 304 (nothing was published since, or its
            # links would have moved down) and the walk goes on only to
            # refetch what is due: the next page lists what it listed when
            # last read, and its saved links serve as well as a request.
            stats.inc_value("lianzhou/conditional/replayed/listing")
            yield from self._follow_listing(
                Response(next_url, status=304, request=self._listing_request(next_url)),
                saved,
                stale_pages,
                next_page,
                column,
            )
            return
        request = self._listing_request(next_url)
        request.cb_kwargs["stale_pages"] = stale_pages
        yield request

    async def parse_article(
        self,
        response: Response,
        listing_channel: str | None = None,
        listing_date: str | None = None,
    ):
        if response.status == 304:
            if not self.run.revalidation.asked(response):
                self._unasked_304(response, "lianzhou/article/failed_urls")
                return
            # Unchanged since the copy the state holds: nothing to extract.
            self.crawler.stats.inc_value("lianzhou/items/unchanged")
            if self.run.store is not None:
                self.run.store.touch(self.url_scheme.item_id(response.url))
            return
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
        pool = self.run.extraction
        try:
            if pool is None:
                item = extract_article(response, **options)
            else:
                item = await pool.extract(response, **options)
                self.crawler.stats.inc_value("lianzhou/extraction/in_workers")
        except ExtractionWorkerLost:
            self._count_article_failure(response.url, "extraction worker lost")
            return
        except Exception as error:
            # A page the extractor cannot read is a lost article like any
            # other: named, and (the run not clean) fetched again next run.
            self._count_parse_failure(error, response.url)
            self._count_article_failure(response.url, _parse_error(error))
            return
        yield item

    def article_failed(self, failure):
        """An article that could not be fetched: counted and named in the report."""
        stats = self.crawler.stats
        reason = failure_reason(failure)
        if reason == "not allowed":
            # robots.txt or the offsite filter said no: a decision, not a failure.
            stats.inc_value("lianzhou/article/not_allowed")
            return
        # Named under the article's URL, not the hop where a redirect failed.
        url = first_url(failure.request)
        if reason in ("404", "410") and self.run.is_gone(url):
            # Deleted, as earlier runs saw: named once then, quiet since.
            stats.inc_value("lianzhou/article/gone")
            return
        self._count_article_failure(url, reason)

    def _unasked_304(self, response: Response, report_key: str) -> None:
        """A 304 to a request that carried no validators the state holds: the
        server said "unchanged" about a page this crawl has no copy of. Lost
        unless counted: a failed listing or article, named in the report."""
        reason = "304 Not Modified to a request without validators"
        self.logger.error("%s: %s", reason, response.url)
        if report_key.startswith("lianzhou/article"):
            self._count_article_failure(first_url(response.request), reason)
        else:
            name_in_report(
                self.crawler.stats, report_key, response.url, reason, limit=200
            )

    def _count_parse_failure(self, error: Exception, url: str) -> None:
        self.crawler.stats.inc_value("lianzhou/errors/parse")
        self.logger.error(
            "could not extract %s: %s", url, _parse_error(error), exc_info=error
        )

    def _count_article_failure(self, url: str, reason: str) -> None:
        """Counted, named in the report, and the run is not trusted as complete."""
        stats = self.crawler.stats
        stats.inc_value("lianzhou/article/failed")
        stats.inc_value(f"lianzhou/article/failed/{reason}")
        self.run.article_failed(url, reason)
        name_in_report(stats, "lianzhou/article/failed_urls", url, reason, limit=500)


def _parse_error(error: Exception) -> str:
    """The report's reason for a page the extractor raised on."""
    return f"parse error: {type(error).__name__}"


def _stop_reason(settings, next_page: int, stale_pages: int) -> str | None:
    """Why a column's walk must stop before ``next_page``, or None."""
    stale_max = settings.getint("LIANZHOU_COLUMN_STALE_PAGES")
    if stale_max and stale_pages >= stale_max:
        return (
            f"{stale_pages} pages in a row listed nothing new "
            f"(LIANZHOU_COLUMN_STALE_PAGES={stale_max})"
        )
    max_pages = settings.getint("LIANZHOU_COLUMN_MAX_PAGES")
    if max_pages and next_page > max_pages:
        return f"page cap reached (LIANZHOU_COLUMN_MAX_PAGES={max_pages})"
    return None
