"""A spider for tests/test_hostile_crawl.py whose extraction raises on marked pages.

A bug in the extractor, or a page it was never written for, makes extraction
raise. This spider's loader raises on a title containing
``LIANZHOU_TEST_RAISE_TITLE``, and its URL scheme on a listing page whose URL
contains ``LIANZHOU_TEST_RAISE_LISTING``. Without the variables it is the
lianzhou spider under another name.
"""

from __future__ import annotations

import os

from itemloaders.processors import MapCompose

from lianzhou_news.loaders import ArticleLoader
from lianzhou_news.schemes import GuangdongPlatform
from lianzhou_news.spiders.lianzhou import LianzhouSpider


def _raise_on_the_marked_title(value: str) -> str:
    marked = os.environ.get("LIANZHOU_TEST_RAISE_TITLE")
    if marked and marked in value:
        raise RuntimeError(f"extractor bug on {value!r}")
    return value


class RaisingLoader(ArticleLoader):
    title_in = MapCompose(_raise_on_the_marked_title, *ArticleLoader.title_in.functions)


class RaisingScheme(GuangdongPlatform):
    def pager_page(self, link: str, listing_url: str) -> int | None:
        marked = os.environ.get("LIANZHOU_TEST_RAISE_LISTING")
        if marked and marked in listing_url:
            raise RuntimeError(f"extractor bug on {listing_url}")
        return super().pager_page(link, listing_url)


class RaisingSpider(LianzhouSpider):
    name = "lianzhou_raising"
    loader_class = RaisingLoader
    url_scheme = RaisingScheme()
