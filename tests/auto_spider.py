"""A spider for tests/test_families_e2e.py that names no CMS family
(``url_scheme = None``), as ``scrapy genspider -t county`` writes one: the
family is detected from the first listing page it reads."""

from __future__ import annotations

from lianzhou_news.spiders.base import PlatformNewsSpider


class CountyAutoSpider(PlatformNewsSpider):
    name = "county_auto"
    site_name = "某县融媒体中心"
    url_scheme = None
    default_start_urls = ("https://www.county.example/",)
