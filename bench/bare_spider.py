"""The baseline: a bare Scrapy spider that follows the same links and yields {url}.

No extraction, no item loader, no pipelines: just the listing walk (article
links and totalPage/pager pagination, same host only) and one item per
article, written by the same feed export.
"""

import re
from typing import ClassVar
from urllib.parse import urlsplit

import scrapy

POST = re.compile(r"/content/post_\d+\.html$")
TOTAL = re.compile(r"totalPage\s*=\s*Math\.ceil\((\d+)/(\d+)\)")
PAGE = re.compile(r"index(?:_(\d+))?\.html$")


class BareSpider(scrapy.Spider):
    name = "bare"
    custom_settings: ClassVar[dict] = {
        "ITEM_PIPELINES": {},
        "EXTENSIONS": {},
        "SPIDERMON_ENABLED": False,
    }

    def __init__(self, start_urls="", **kwargs):
        super().__init__(**kwargs)
        self.start_urls = start_urls.split(",")

    async def start(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        host = urlsplit(response.url).netloc
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if urlsplit(url).netloc != host:
                continue
            if POST.search(url):
                yield scrapy.Request(url, callback=self.parse_article)
            elif PAGE.search(url):
                yield scrapy.Request(url, callback=self.parse)
        total = (
            TOTAL.search(response.text)
            if response.url.endswith("/index.html")
            else None
        )
        if (
            total
        ):  # pagination scheduled once, from page 1 (the duplicate filter is not free)
            pages = -(-int(total.group(1)) // int(total.group(2)))
            base = response.url.rsplit("/", 1)[0]
            for page in range(2, pages + 1):
                yield scrapy.Request(f"{base}/index_{page}.html", callback=self.parse)

    def parse_article(self, response):
        yield {"url": response.url}
