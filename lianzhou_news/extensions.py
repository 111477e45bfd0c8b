"""RunSummary: one closing line that says what a run wrote and where."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.logformatter import LogFormatter

from . import feedstorage
from .state import content_hash

logger = logging.getLogger(__name__)


class RunSummary:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider, reason):
        stats = self.crawler.stats
        feeds = [str(uri) for uri in self.crawler.settings.getdict("FEEDS")]
        targets = [spider.run_path(uri) for uri in feeds]
        logger.info(
            "lianzhou: %d articles written to %s (listing pages %d, duplicates dropped %d,"
            " invalid dropped %d, finish reason %s)",
            stats.get_value("item_scraped_count", 0),
            ", ".join(targets) or "(no feed)",
            stats.get_value("lianzhou/listing/pages", 0),
            stats.get_value("lianzhou/items/dropped/duplicate", 0),
            stats.get_value("lianzhou/items/dropped/invalid", 0),
            reason,
        )


class QuietDropFormatter(LogFormatter):
    """Log a dropped item by its reason only: the reason names the URL and the
    article id, and dumping the whole item (a full article body) buries the log."""

    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        return entry


class StateRecorder:
    """Record each emitted article in the state store once its line is written.

    Connected after the feed exporter (extensions load after it), so by the
    time ``item_scraped`` reaches here the feed storage has written the line;
    the article is recorded once ``feedstorage.durable()`` says the line is on
    disk (the engine waits for that before it counts the request done, which
    the fleet's claims rely on). At a clean finish, columns whose walk reached
    their last listing page are marked walked, unless an article failed to
    download this run (it would be missed by later incremental runs, which stop
    at known articles).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self._write_failures = feedstorage.write_failures()

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    async def item_scraped(self, item, response, spider):
        failures = feedstorage.write_failures()
        if failures != self._write_failures:
            # The feed could not write this item's line: not recorded, so it is
            # not lost (the next run fetches it again), and the run is unhealthy.
            self._write_failures = failures
            self._not_written(item, "was not written to the feed (see the error above)")
            return
        store = spider.store
        if store is not None:
            if not await feedstorage.durable():
                self._not_written(item, "may not be on disk: syncing the feed failed")
                return
            # Hashed once, by the change-tracking pipeline; recomputed only if
            # that pipeline was switched off.
            digest = store.pending_hashes.pop(item["article_id"], None) or content_hash(
                item
            )
            store.record(
                item["article_id"], item["url"], digest, item["version"], spider.run_id
            )

    def _not_written(self, item, why: str) -> None:
        self.crawler.stats.inc_value("lianzhou/items/not_written")
        logger.error(
            "article %s %s; not recorded, the next run fetches it again",
            item.get("article_id"),
            why,
        )

    def spider_closed(self, spider, reason):
        store = spider.store
        if store is None:
            return
        failed = self.crawler.stats.get_value("lianzhou/article/failed", 0)
        clean = reason == "finished" and not failed
        store.finish_run(spider.run_id, spider.walked_columns, clean)
