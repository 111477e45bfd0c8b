"""Run extensions: the closing summary line, the quiet drop log, and the
recorder that writes emitted articles into the state store."""

from __future__ import annotations

import logging
import pprint
import sqlite3

from scrapy import signals
from scrapy.logformatter import LogFormatter

from . import feedstorage
from .pipelines import ChangeTrackingPipeline
from .run import RunContext
from .state import content_hash

logger = logging.getLogger(__name__)


class RunSummary:
    """The run's last log line: the spider that ran, articles written and where,
    how many failed, listing pages read, duplicates and invalid items dropped,
    finish reason, and the verdict.

    Logged when the engine has stopped, after Scrapy's own "Spider closed", so
    that it is the last line of a run's log. Scrapy's stats dump (off:
    ``STATS_DUMP = False``) goes to DEBUG here instead; the run report holds
    what the stats say, in words.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.run = RunContext.of(crawler)
        self.reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_closed(self, spider, reason):
        self.reason = reason
        logger.debug(
            "Scrapy stats:\n%s", pprint.pformat(self.crawler.stats.get_stats())
        )

    def engine_stopped(self):
        if self.reason is not None:
            logger.info("%s", self.line(self.reason))

    def line(self, reason: str) -> str:
        stats = self.crawler.stats
        targets = self.run.outputs
        healthy = stats.get_value("lianzhou/healthy")
        verdict = (
            "healthy"
            if healthy
            else "no verdict"
            if healthy is None
            else "UNHEALTHY (reasons above)"
        )
        written = stats.get_value("item_scraped_count", 0)
        where = (
            f"to {', '.join(targets)}"
            if written and targets
            else "(no file written)"
            if targets
            else "(no feed)"
        )
        return (
            f"{self.run.spider_name}: {written} articles written {where} "
            f"({stats.get_value('lianzhou/article/failed', 0)} failed, listing pages "
            f"{stats.get_value('lianzhou/listing/pages', 0)}, duplicates dropped "
            f"{stats.get_value('lianzhou/items/dropped/duplicate', 0)}, invalid dropped "
            f"{stats.get_value('lianzhou/items/dropped/invalid', 0)}, finish reason "
            f"{reason}): {verdict}"
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
    at known articles): ``RunContext.finish``, once the feeds are closed.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.run = RunContext.of(crawler)
        self.tracking: ChangeTrackingPipeline | None = None

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider):
        # Pipelines exist once the engine does: ask for the one that hashed.
        self.tracking = self.crawler.get_item_pipeline(ChangeTrackingPipeline)

    async def item_scraped(self, item, response, spider):
        if self.run.feed_writes.take_failure():
            # The feed could not write this item's line: not recorded, so it is
            # not lost (the next run fetches it again), and the run is unhealthy.
            self._not_written(item, "was not written to the feed (see the error above)")
            return
        store = self.run.store
        if store is not None:
            if not await feedstorage.durable():
                self._not_written(item, "may not be on disk: syncing the feed failed")
                return
            # Hashed once, by the change-tracking pipeline; recomputed only if
            # that pipeline was switched off.
            digest = (
                self.tracking and self.tracking.take_digest(item["article_id"])
            ) or content_hash(item)
            try:
                store.record(
                    item["article_id"],
                    item["url"],
                    digest,
                    item["version"],
                    self.run.run_id,
                )
                self.run.revalidation.settled(item["url"])
            except sqlite3.Error as error:
                # The line is in the file, the state could not take it (a full
                # disk): the run is left open, so the next run records every
                # line of its file before it starts (StateStore.open_run).
                self.run.state_unwritable(error)

    def _not_written(self, item, why: str) -> None:
        self.crawler.stats.inc_value("lianzhou/items/not_written")
        logger.error(
            "article %s %s; not recorded, the next run fetches it again",
            item.get("article_id"),
            why,
        )

    def spider_closed(self, spider, reason):
        self.run.finish(reason)
