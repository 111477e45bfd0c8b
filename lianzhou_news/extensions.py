"""RunSummary: one closing line that says what a run wrote and where."""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.logformatter import LogFormatter

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
        targets = [uri % _uri_params(spider) for uri in feeds]
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


def _uri_params(spider) -> dict:
    # The feed URI's placeholders we can name; others (e.g. %(time)s) stay as written.
    return _Lenient(name=spider.name, run_id=getattr(spider, "run_id", ""))


class _Lenient(dict):
    def __missing__(self, key):
        return f"%({key})s"


class QuietDropFormatter(LogFormatter):
    """Log a dropped item by its reason only: the reason names the URL and the
    article id, and dumping the whole item (a full article body) buries the log."""

    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        return entry
