"""The listing -> article crawl shared by the Guangdong government portal family.

A county spider only sets class attributes (name, site_name, default start
URLs, optionally selectors or a loader subclass); all parsing is pure and
lives in ``lianzhou_news.extract``. A start page that is not a listing (the
home page) is read for its columns first (``lianzhou_news.discovery``).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from .. import conditional
from ..discovery import (
    Column,
    candidate_links,
    compile_columns_filter,
    is_listing_page,
    is_site_root,
)
from ..extract import Listing, SiteSelectors, extract_article, extract_listing
from ..extract.blocks import resolve_link
from ..extractpool import ExtractionWorkerLost
from ..loaders import ArticleLoader
from ..report import failure_reason, first_url, name_in_report
from ..run import RunContext, configure_settings
from ..schemes import GUANGDONG_PLATFORM, UrlScheme, detect_scheme


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
                  (still emitting only what is new or changed), and discovers
                  columns again.
      columns     a regular expression: of the columns discovered on a start
                  page that is not a listing, keep those whose names it finds.
      discover_only  ``1``: find the columns and crawl nothing else (the
                  ``scrapy columns`` command).

    Start pages: a listing page is walked as a column; any other page (the
    home page) is read for its columns (``lianzhou_news.discovery``): its
    menu, 更多 links and headline blocks are fetched, and those that list
    articles are walked. The columns found are remembered in the state and
    taken from it until ``LIANZHOU_DISCOVERY_INTERVAL_DAYS`` have passed.

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
    #: None: detected from the first listing page read (``detect_scheme``).
    url_scheme: UrlScheme | None = GUANGDONG_PLATFORM
    #: URL path prefixes of a mirror that copies the portal path for path, in
    #: Traditional script (the offline site's ``/mirror/``). The portal's copy
    #: of an article wins: one listed on a mirror is held back until the crawl
    #: is idle, and fetched only if no portal listing of this run listed it.
    mirror_paths: tuple[str, ...] = ("/mirror/",)
    #: 304 Not Modified reaches the callbacks (``lianzhou_news.conditional``).
    handle_httpstatus_list: ClassVar[list[int]] = [304]

    def __init__(
        self,
        *args,
        start_urls: str | None = None,
        run_id: str | None = None,
        full: str | None = None,
        columns: str | None = None,
        discover_only: str | None = None,
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
        #: ``-a columns=REGEX``: the discovered columns to keep, or None for all.
        self.columns_filter = compile_columns_filter(columns)
        if discover_only not in (None, "", "0", "1"):
            raise ValueError(f"discover_only: expected 0 or 1, got {discover_only!r}")
        self.discover_only = discover_only == "1"
        #: Columns taken in this run (by their scheme key), so that two start
        #: pages linking one column walk it once.
        self._columns_taken: set[str] = set()
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
        # Article ids the portal's own listings listed in this run, and the
        # mirror's requests held back until the crawl is idle.
        self._portal_listed: set[str] = set()
        self._held_mirror_copies: dict[str, scrapy.Request] = {}

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.run = RunContext.open(crawler, spider.run_id_argument)
        crawler.signals.connect(
            spider._release_mirror_copies, signal=signals.spider_idle
        )
        return spider

    def is_mirror_copy(self, url: str) -> bool:
        """True for a URL under one of ``mirror_paths``."""
        path = urlsplit(url).path
        return any(path.startswith(prefix) for prefix in self.mirror_paths)

    def _release_mirror_copies(self, spider=None):
        """At idle: fetch the held mirror copies of articles no portal listing
        listed; the others are counted as known (the portal's copy is in this
        run, or stored), never fetched."""
        held = self._held_mirror_copies
        if not held:
            return
        self._held_mirror_copies = {}
        wanted = [r for i, r in held.items() if i not in self._portal_listed]
        skipped = len(held) - len(wanted)
        if skipped:
            self.crawler.stats.inc_value("lianzhou/article/skipped_known", skipped)
            self.crawler.stats.inc_value(
                "lianzhou/article/mirror_copy_skipped", skipped
            )
        if wanted:
            for request in wanted:
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

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
            remembered = self._remembered_columns(url)
            if remembered is None:
                yield scrapy.Request(
                    url,
                    callback=self.parse_start,
                    errback=self.listing_failed,
                    meta={
                        "lianzhou_kind": "listing",
                        # A start page that was a listing when last read may
                        # answer 304: it lists what it listed (parse_start).
                        conditional.ASK: not self.full
                        and self.url_scheme is not None
                        and self.run.revalidation.has_listing(url),
                    },
                )
                continue
            for column in self._take_columns(url, remembered, "remembered"):
                if not self.discover_only:
                    yield self._listing_request(column.url)

    def _remembered_columns(self, start_url: str) -> list[Column] | None:
        """The columns the state remembers for ``start_url`` while they are
        fresh (``LIANZHOU_DISCOVERY_INTERVAL_DAYS``), else None."""
        store = self.run.store
        if store is None or self.full:
            return None
        interval = self.crawler.settings.getfloat("LIANZHOU_DISCOVERY_INTERVAL_DAYS")
        found = store.discovered_columns(_page_path(start_url))
        if found is None or not found.columns or found.due(timedelta(days=interval)):
            return None
        parts = urlsplit(start_url)
        return [
            Column(
                c["name"],
                urlunsplit((parts.scheme, parts.netloc, "", "", "")) + c["path"],
            )
            for c in found.columns
        ]

    def _take_columns(
        self, start_url: str, columns: list[Column], via: str
    ) -> list[Column]:
        """The columns of ``start_url`` this run walks: those ``-a columns``
        keeps and no other start page gave already; listed in the report."""
        stats = self.crawler.stats
        kept = [
            c
            for c in columns
            if self.columns_filter is None or self.columns_filter.search(c.name)
        ]
        if columns and not kept:
            name_in_report(
                stats,
                "lianzhou/discovery/none_matched",
                start_url,
                "no column name matches -a columns="
                f"{self.columns_filter.pattern}; found: "
                + ", ".join(c.name for c in columns),
                limit=50,
            )
        taken = []
        for column in kept:
            key = self.url_scheme.column(column.url)
            if key in self._columns_taken:
                continue
            self._columns_taken.add(key)
            taken.append(column)
            listed = stats.get_value("lianzhou/columns") or []
            stats.set_value(
                "lianzhou/columns",
                [*listed, {**column.as_dict(), "column": key, "via": via}],
            )
        return taken

    async def parse_start(self, response: Response):
        """A start page: walked as a column if it is a listing, else read for
        the columns it links to (discovery), which are then walked."""
        if response.status == 304:
            # Asked only of a start page that was a listing when last read: it
            # is one still, and lists what it listed (or, unasked, a failure).
            saved = self.run.revalidation.listing(response)
            if saved is not None:
                self._take_columns(
                    response.url,
                    [Column(saved.channel or _page_path(response.url), response.url)],
                    "start",
                )
            for output in self.parse_listing(response):
                yield output
            return
        listing = None
        if isinstance(response, TextResponse):
            if self.url_scheme is None:
                # From the start page's links (a home page links articles too).
                self.url_scheme = self._detect_scheme(response)
            try:
                listing = extract_listing(response, scheme=self.url_scheme)
            except Exception:  # parse_listing names the failure
                listing = None
        if listing is None or is_listing_page(
            response,
            self._is_article,
            start=True,
            listed=len(listing.entries),
        ):
            if listing is not None:
                self._take_columns(
                    response.url,
                    [Column(listing.channel or _page_path(response.url), response.url)],
                    "start",
                )
            if not self.discover_only:
                for output in self.parse_listing(response, listing=listing):
                    yield output
            return
        found = await self._discover(response)
        if not found and not self.discover_only and not is_site_root(response.url):
            # Perhaps a listing whose markup changed (no article link left):
            # read as one too, so the report also says its pages list nothing.
            for output in self.parse_listing(response, listing=listing):
                yield output
            return
        for page, page_listing in self._take_pages(response.url, found):
            if not self.discover_only:
                for output in self.parse_listing(page, listing=page_listing):
                    yield output

    def _is_article(self, url: str) -> bool:
        return self.url_scheme.article_id(url) is not None

    async def _discover(
        self, response: TextResponse
    ) -> list[tuple[Column, Response, Listing]]:
        """Fetch the candidate columns ``response`` links to; return those whose
        pages list articles, with their first listing page (walked from it,
        not fetched again). The rest are named in the report as skipped."""
        stats = self.crawler.stats
        settings = self.crawler.settings
        limit = settings.getint("LIANZHOU_DISCOVERY_MAX_CANDIDATES") or None
        every = candidate_links(response, self.url_scheme)
        candidates = every[:limit]
        stats.inc_value("lianzhou/discovery/start_pages")
        stats.inc_value("lianzhou/discovery/candidates", len(candidates))
        if len(every) > len(candidates):
            stats.inc_value(
                "lianzhou/discovery/not_checked", len(every) - len(candidates)
            )
            for candidate in every[len(candidates) :]:
                name_in_report(
                    stats,
                    "lianzhou/discovery/skipped_urls",
                    candidate.url,
                    "not checked (LIANZHOU_DISCOVERY_MAX_CANDIDATES)",
                    limit=200,
                )
        answers = await asyncio.gather(
            *(self._fetch_candidate(c.url) for c in candidates)
        )
        found: list[tuple[Column, Response, Listing]] = []
        keys: set[str] = set()
        for candidate, (page, reason) in zip(candidates, answers, strict=True):
            if page is not None:
                entries = 0
                try:
                    listing = extract_listing(page, scheme=self.url_scheme)
                    entries = len(listing.entries)
                except Exception as error:
                    listing, reason = None, _parse_error(error)
                if (
                    listing is not None
                    and entries
                    and is_listing_page(page, self._is_article, listed=entries)
                ):
                    key = self.url_scheme.column(page.url)
                    if key not in keys:
                        keys.add(key)
                        name = candidate.name or listing.channel or _page_path(page.url)
                        found.append((Column(name, page.url), page, listing))
                    continue
                reason = reason or (
                    "lists no article"
                    if not entries
                    else "not a listing (a page of blocks)"
                )
            stats.inc_value("lianzhou/discovery/skipped")
            name_in_report(
                stats,
                "lianzhou/discovery/skipped_urls",
                candidate.url,
                reason,
                limit=200,
            )
        if found:
            store = self.run.store
            if store is not None:
                store.remember_columns(
                    _page_path(response.url),
                    [
                        {"name": column.name, "path": _page_path(column.url)}
                        for column, _, _ in found
                    ],
                )
        else:
            name_in_report(
                stats,
                "lianzhou/discovery/nothing_found",
                response.url,
                f"{len(candidates)} linked page(s) read, none lists articles",
                limit=50,
            )
            self.logger.warning(
                "discovery found no column on %s: pass the columns' listing pages "
                "with -a start_urls=URL[,URL...]",
                response.url,
            )
        return found

    def _take_pages(self, start_url, found):
        """The first pages (and their listings) of the discovered columns taken."""
        taken = self._take_columns(
            start_url, [column for column, _, _ in found], "discovered"
        )
        urls = {column.url for column in taken}
        return [
            (page, listing) for column, page, listing in found if column.url in urls
        ]

    async def _fetch_candidate(self, url: str) -> tuple[Response | None, str | None]:
        """A candidate's page, or None and why not (a dead link, robots.txt,
        another host after a redirect, not HTML): never a failure of the run."""
        request = scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta={"lianzhou_kind": "discovery"},
            dont_filter=True,
        )
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as error:
            return None, failure_reason(Failure(error))
        if response.status != 200:
            return None, str(response.status)
        if not isinstance(response, TextResponse):
            return None, "not HTML"
        return response, None

    def _listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            meta={
                "lianzhou_kind": "listing",
                # A 304 carries no page to detect the family from: a spider
                # that detects it asks only once this run has (a full page).
                conditional.ASK: not self.full and self.url_scheme is not None,
            },
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

    def parse_listing(
        self, response: Response, stale_pages: int = 0, listing: Listing | None = None
    ):
        """Follow a listing page's articles and, while the column goes on, its next page.

        ``listing``: the page's listing when discovery read it already.

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
                self._unasked_304(response, "listing")
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
            if self.url_scheme is None:
                self.url_scheme = self._detect_scheme(response)
            if listing is None:
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
            mirror = self.is_mirror_copy(response.urljoin(entry.url))
            if not mirror:
                self._portal_listed.add(entry.article_id)
            if (
                self.full
                or known is None
                or (page <= revisit_pages and known.due_for_refetch(refetch_after))
            ):
                request = response.follow(
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
                if mirror:  # the portal's copy wins: held until the crawl is idle
                    self._held_mirror_copies.setdefault(entry.article_id, request)
                else:
                    yield request
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
        next_url = self.url_scheme.next_page_url(
            response.url, next_page, listing.pager_url
        )
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

    def _detect_scheme(self, response: Response) -> UrlScheme:
        """The site's family, from the same-site links of its first listing page."""
        here = urlsplit(response.url).netloc
        resolved = (
            resolve_link(response.url, href.strip())
            for href in response.xpath("//a/@href").getall()
        )
        links = [url for url, parts in resolved if parts and parts.netloc == here]
        scheme = detect_scheme(links, response.text)
        self.crawler.stats.set_value("lianzhou/url_scheme", repr(scheme))
        self.logger.info("URL scheme detected from %s: %r", response.url, scheme)
        return scheme

    async def parse_article(
        self,
        response: Response,
        listing_channel: str | None = None,
        listing_date: str | None = None,
    ):
        if response.status == 304:
            if not self.run.revalidation.asked(response):
                self._unasked_304(response, "article")
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

    def _unasked_304(self, response: Response, kind: str) -> None:
        """A 304 to a request that carried no validators the state holds: the
        server said "unchanged" about a page this crawl has no copy of. Lost
        unless counted: a failed ``kind`` ("listing" or "article"), named in
        the report."""
        reason = "304 Not Modified to a request without validators"
        self.logger.error("%s: %s", reason, response.url)
        if kind == "article":
            self._count_article_failure(first_url(response.request), reason)
            return
        stats = self.crawler.stats
        stats.inc_value("lianzhou/listing/failed")
        name_in_report(
            stats, "lianzhou/listing/failed_urls", response.url, reason, limit=200
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


def _page_path(url: str) -> str:
    """A page's path and query: how the state knows a page on any host or port."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


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
