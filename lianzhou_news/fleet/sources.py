"""Which request each extracted article came from: a spider middleware remembers it.

The fleet stores an article's request with its reservation, to queue it again
should the worker die before the article's line is written. The item pipeline
that reserves it sees only the item, so ``ArticleSources`` remembers, for every
item a callback yields, the request of the response it came from, and the
fleet's store asks it (``sources_of(crawler).pop(item)``). Off (NotConfigured)
without ``REDIS_URL``.
"""

from __future__ import annotations

import weakref

from scrapy.exceptions import NotConfigured
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

#: crawler -> its ArticleSources (weak both ways: a finished crawl leaves nothing).
_BY_CRAWLER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class ArticleSources(BaseSpiderMiddleware):
    """Remembers, for each item a callback yields, the request it came from.

    ``BaseSpiderMiddleware`` (Scrapy 2.13+) gives both the sync and the async
    ``process_spider_output``; items are held weakly, so a dropped item is
    forgotten with it.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self._requests: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("single-machine mode (REDIS_URL is not set)")
        middleware = cls(crawler)
        _BY_CRAWLER[crawler] = middleware
        return middleware

    def get_processed_item(self, item, response):
        if response is not None:  # None: an item yielded by start()
            self._requests[item] = response.request
        return item

    def pop(self, item):
        """The request ``item`` came from, forgotten here; KeyError if unknown."""
        return self._requests.pop(item)


def sources_of(crawler) -> ArticleSources:
    """The crawler's ArticleSources; an error naming the setting if it is off."""
    try:
        return _BY_CRAWLER[crawler]
    except KeyError:
        raise RuntimeError(
            "distributed mode needs lianzhou_news.fleet.ArticleSources in "
            "SPIDER_MIDDLEWARES (it remembers each article's request)"
        ) from None
