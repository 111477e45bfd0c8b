"""The listing -> article crawl shared by the Guangdong government portal family.

A county spider only sets class attributes (name, site_name, default start
URLs, optionally selectors or a loader subclass); all parsing is pure and
lives in ``lianzhou_news.extract``.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from ..extract import SiteSelectors, extract_article, extract_listing, listing_page_url
from ..loaders import ArticleLoader

_PAGE_NUMBER_PREFIX = "index_"


def page_number(url: str) -> int:
    """Which page of its column a listing URL is: ``index_3.html`` -> 3, else 1.

    >>> page_number("http://h/zwgk/lzyw/index_3.html"), page_number("http://h/zwgk/lzyw/")
    (3, 1)
    """
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    if name.startswith(_PAGE_NUMBER_PREFIX) and name.endswith(".html"):
        digits = name[len(_PAGE_NUMBER_PREFIX) : -len(".html")]
        if digits.isdigit():
            return int(digits)
    return 1


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
      run_id      names the run's output file (default: UTC start time + suffix).
    """

    #: The publisher recorded in every item's ``site`` field.
    site_name: str = ""
    #: Listing pages crawled when no ``-a start_urls`` is given.
    default_start_urls: tuple[str, ...] = ()
    #: First extraction layer, for a skin whose markup is known.
    selectors: SiteSelectors = SiteSelectors()
    loader_class: type[ArticleLoader] = ArticleLoader

    def __init__(
        self, *args, start_urls: str | None = None, run_id: str | None = None, **kwargs
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
        # Offsite filtering by host; extract_listing already keeps only the
        # exact host:port of the listing, so other ports never get this far.
        self.allowed_domains = sorted(
            {urlsplit(url).hostname for url in self.start_urls}
        )
        self.run_id = run_id or (
            datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)
        )

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        uri = crawler.settings.get("LIANZHOU_OUTPUT_URI")
        if uri and "://" not in uri:
            output = Path(uri % {"name": spider.name, "run_id": spider.run_id})
            if output.exists():
                # Feeds overwrite; an earlier run's items must never be lost to a reused id.
                raise ValueError(f"{output} exists already: choose another -a run_id")
        return spider

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        # Called before the settings freeze and after -o/-O have set FEEDS.
        uri = settings.get("LIANZHOU_OUTPUT_URI")
        if uri and not settings.getdict("FEEDS"):
            feed = {"format": "jsonlines", "encoding": "utf8", "overwrite": True}
            settings.set("FEEDS", {uri: feed}, priority="spider")

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse_listing)

    def parse_listing(self, response: Response):
        stats = self.crawler.stats
        stats.inc_value("lianzhou/listing/pages")
        if not isinstance(response, TextResponse):
            stats.inc_value("lianzhou/listing/not_html")
            self.logger.warning("listing page is not HTML: %s", response.url)
            return
        listing = extract_listing(response)
        if not listing.entries:
            # The column has ended (or its markup changed): never page past it.
            stats.inc_value("lianzhou/listing/empty")
            self.logger.warning("no article links on listing page %s", response.url)
            return
        stats.inc_value("lianzhou/listing/links", len(listing.entries))
        for entry in listing.entries:
            yield response.follow(
                entry.url,
                callback=self.parse_article,
                cb_kwargs={
                    "listing_channel": listing.channel,
                    "listing_date": entry.date,
                },
            )
        next_page = page_number(response.url) + 1
        declared = listing.total_pages
        if (declared is not None and next_page <= declared) or (
            declared is None and next_page in listing.page_numbers
        ):
            yield scrapy.Request(
                listing_page_url(response.url, next_page), callback=self.parse_listing
            )

    def parse_article(
        self,
        response: Response,
        listing_channel: str | None = None,
        listing_date: str | None = None,
    ):
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("lianzhou/article/not_html")
            self.logger.warning("article page is not HTML: %s", response.url)
            return
        yield extract_article(
            response,
            now=datetime.now(UTC),
            site=self.site_name,
            listing_channel=listing_channel,
            listing_date=listing_date,
            selectors=self.selectors,
            loader_class=self.loader_class,
        )
