"""Run health: spidermon monitors at spider close, and the run report they feed.

spidermon's own monitors do the generic checks (finish reason, error count,
field coverage); two of ours check what only this crawler knows: that the site
did not block us, and that listings that were found led to articles that
parsed. ``WriteRunReport`` (a spidermon action, so it sees every monitor's
outcome) writes ``output/<spider>/<run-id>.report.json`` and records the
verdict in the stats, where the ``crawl`` command reads it for its exit status.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from itemadapter import ItemAdapter
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.scrapy import extensions as spidermon_extensions
from spidermon.contrib.scrapy.monitors import (
    ErrorCountMonitor,
    FieldCoverageMonitor,
    FinishReasonMonitor,
)
from spidermon.core.actions import Action

from .compat import coverage_skip_values
from .items import FIELD_ORDER

logger = logging.getLogger(__name__)

#: Markers of a JavaScript challenge page served instead of content.
CHALLENGE_MARKERS = (
    "请稍候",
    "請稍候",
    "安全验证",
    "安全驗證",
    "正在验证",
    "checking your browser",
)
#: Status codes portals answer scripted clients with when they block them.
BLOCK_STATUSES = (403, 405, 412, 429)


class BlockDetector:
    """Downloader middleware: count requests by kind, and spot blocks.

    Request kinds (``listing``, ``article``, ``other`` such as robots.txt) go to
    ``lianzhou/requests/<kind>``; a response with a blocking status or a
    JavaScript challenge body counts as ``lianzhou/errors/blocked``.
    """

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_request(self, request, spider=None):
        self.stats.inc_value(
            f"lianzhou/requests/{request.meta.get('lianzhou_kind', 'other')}"
        )

    def process_response(self, request, response, spider=None):
        blocked = response.status in BLOCK_STATUSES
        if (
            not blocked
            and len(response.body) < 20_000
            and response.status in (200, 202, 503)
        ):
            head = response.body[:20_000].decode("utf-8", "ignore").lower()
            blocked = "<script" in head and any(
                m.lower() in head for m in CHALLENGE_MARKERS
            )
        if blocked:
            self.stats.inc_value("lianzhou/errors/blocked")
            urls = self.stats.get_value("lianzhou/blocked_urls") or []
            if len(urls) < 20:
                urls.append({"url": response.url, "status": response.status})
                self.stats.set_value("lianzhou/blocked_urls", urls)
        return response


@monitors.name("Not blocked")
class NotBlockedMonitor(Monitor):
    @monitors.name("No blocking response or JavaScript challenge")
    def test_not_blocked(self):
        blocked = self.data.stats.get("lianzhou/errors/blocked", 0)
        self.assertEqual(
            blocked, 0, msg=f"blocked: {blocked} response(s) were a block or challenge"
        )


@monitors.name("Articles parsed")
class ArticlesParsedMonitor(Monitor):
    @monitors.name("Listings led to articles, and fetched articles parsed")
    def test_articles_parsed(self):
        stats = self.data.stats
        requested = stats.get("lianzhou/requests/listing", 0)
        listing_pages = stats.get("lianzhou/listing/pages", 0)
        # The live start URLs are guesses: if none answers, say so loudly.
        self.assertFalse(
            requested and not listing_pages,
            msg=f"no listing page could be read ({requested} requested): check the start URLs",
        )
        links = stats.get("lianzhou/listing/links", 0)
        self.assertFalse(
            listing_pages and not links,
            msg=f"listings found ({listing_pages} page(s)) but no article links on them",
        )
        not_written = stats.get("lianzhou/items/not_written", 0)
        self.assertFalse(
            not_written,
            msg=f"{not_written} article(s) could not be written to the feed (see the "
            "log); they were not recorded, so the next run fetches them again",
        )
        fetched = stats.get("lianzhou/requests/article", 0)
        parsed = stats.get("item_scraped_count", 0) + stats.get(
            "lianzhou/items/unchanged", 0
        )
        self.assertFalse(
            fetched
            and not parsed
            and not stats.get("lianzhou/items/dropped/duplicate", 0),
            msg=f"{fetched} article request(s) but zero articles parsed",
        )


@monitors.name("Columns complete")
class ColumnsCompleteMonitor(Monitor):
    @monitors.name(
        "A column read to its end lists as many articles as its pager declares"
    )
    def test_columns_complete(self):
        stats = self.data.stats
        short = []
        for key, declared in stats.items():
            if not (key.startswith("lianzhou/column/") and key.endswith("/declared")):
                continue
            column = key[len("lianzhou/column") : -len("/declared")]
            if not stats.get(f"lianzhou/column{column}/walked_whole"):
                continue  # an incremental walk stops early on purpose
            found = stats.get(f"lianzhou/column{column}/links", 0)
            if found < declared:
                short.append(
                    f"{column} declares {declared} articles, its pages list {found}"
                )
        self.assertFalse(short, msg="listing pages missing: " + "; ".join(short))


@monitors.name("Fleet settled")
class FleetSettledMonitor(Monitor):
    @monitors.name("No article is held by a stopped worker (distributed mode)")
    def test_fleet_settled(self):
        held = self.data.stats.get("lianzhou/fleet/held_by_stopped_workers") or {}
        names = ", ".join(
            f"{worker} ({count})" for worker, count in sorted(held.items())
        )
        self.assertFalse(
            held,
            msg=f"articles held by stopped workers: {names}; restart each under its "
            "name (LIANZHOU_WORKER), or give them back with `scrapy fleet SPIDER "
            "--release WORKER`",
        )


class WriteRunReport(Action):
    """Write the run report next to the run's output, with the health verdict."""

    def run_action(self):
        crawler = self.data.crawler
        spider = self.data.spider
        stats = crawler.stats.get_stats()
        failures = [
            f"{result.monitor.name}: {_reason(result)}"
            for result in self.result.monitors_failed_results
        ]
        report = build_report(stats, spider, failures)
        uri = crawler.settings.get("LIANZHOU_REPORT_URI")
        if uri:
            path = Path(spider.run_path(uri))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                encoding="utf-8",
            )
            logger.info(
                "lianzhou: run report written to %s (healthy: %s)",
                path,
                report["healthy"],
            )
        crawler.stats.set_value("lianzhou/healthy", report["healthy"])
        for reason in report["unhealthy_reasons"]:
            logger.error("lianzhou: unhealthy run: %s", reason)


def _reason(result) -> str:
    text = (result.error or result.reason or "").strip().splitlines()
    # The assertion's message is the last line of unittest's traceback.
    return text[-1].split(": ", 1)[-1] if text else "failed"


def _sum(stats: dict, prefix: str) -> int:
    return sum(
        v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int)
    )


def build_report(stats: dict, spider, failures: list[str]) -> dict:
    started, finished = stats.get("start_time"), stats.get("finish_time")
    emitted = stats.get("item_scraped_count", 0)
    coverage = {}
    for name in FIELD_ORDER:
        present = stats.get(f"spidermon_item_scraped_count/ArticleItem/{name}", 0)
        coverage[name] = round(present / emitted, 4) if emitted else None
    statuses = {
        k.rsplit("/", 1)[-1]: v
        for k, v in stats.items()
        if k.startswith("downloader/response_status_count/")
    }
    exceptions = {
        k.rsplit("/", 1)[-1]: v
        for k, v in stats.items()
        if k.startswith("downloader/exception_type_count/")
    }
    errors = {
        "timeout": sum(v for k, v in exceptions.items() if "Timeout" in k),
        "dns": sum(v for k, v in exceptions.items() if "DNS" in k),
        "connection": sum(
            v
            for k, v in exceptions.items()
            if "Connection" in k or "ResponseNeverReceived" in k
        ),
        "4xx": sum(v for k, v in statuses.items() if k.startswith("4")),
        "5xx": sum(v for k, v in statuses.items() if k.startswith("5")),
        "blocked": stats.get("lianzhou/errors/blocked", 0),
        "truncated": stats.get("lianzhou/errors/truncated", 0),
        "oversize": stats.get("lianzhou/article/failed/oversize", 0),
        "redirect_loop": stats.get("lianzhou/article/failed/redirect loop", 0),
        "parse": _sum(stats, "spider_exceptions/"),
    }
    return {
        "run_id": spider.run_id,
        "spider": spider.name,
        "started_at": _iso(started),
        "finished_at": _iso(finished),
        "duration_seconds": round((finished - started).total_seconds(), 3)
        if started and finished
        else None,
        "finish_reason": stats.get("finish_reason"),
        "healthy": not failures,
        "unhealthy_reasons": failures,
        "requests": {
            "listing": stats.get("lianzhou/requests/listing", 0),
            "article": stats.get("lianzhou/requests/article", 0),
            "other": stats.get("lianzhou/requests/other", 0),
        },
        "responses_by_status": statuses,
        "items": {
            "new": stats.get("lianzhou/items/new", 0),
            "updated": stats.get("lianzhou/items/updated", 0),
            "unchanged": stats.get("lianzhou/items/unchanged", 0),
            "dropped": {
                "duplicate": stats.get("lianzhou/items/dropped/duplicate", 0),
                "invalid": stats.get("lianzhou/items/dropped/invalid", 0),
            },
            "not_written": stats.get("lianzhou/items/not_written", 0),
            "rejects_file": stats.get("lianzhou/rejects_file"),
            "known_not_refetched": stats.get("lianzhou/article/skipped_known", 0),
            "not_allowed": stats.get("lianzhou/article/not_allowed", 0),
        },
        "field_coverage": coverage,
        "errors": errors,
        "failed_articles": stats.get("lianzhou/article/failed_urls", []),
        "failed_listings": stats.get("lianzhou/listing/failed_urls", []),
        "blocked_urls": stats.get("lianzhou/blocked_urls", []),
        "fleet": {
            "run": stats.get("lianzhou/fleet/run"),
            "worker": stats.get("lianzhou/fleet/worker"),
            "ended_run": bool(stats.get("lianzhou/fleet/ended_run")),
            "held_by_stopped_workers": stats.get(
                "lianzhou/fleet/held_by_stopped_workers", {}
            ),
        }
        if stats.get("lianzhou/fleet/run")
        else None,
    }


def _iso(value) -> str | None:
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class RunHealthSuite(MonitorSuite):
    # spidermon reads these class attributes as lists.
    monitors: ClassVar[list] = [
        FinishReasonMonitor,
        ErrorCountMonitor,
        FieldCoverageMonitor,
        NotBlockedMonitor,
        ArticlesParsedMonitor,
        ColumnsCompleteMonitor,
        FleetSettledMonitor,
    ]
    monitors_finished_actions: ClassVar[list] = [WriteRunReport]


class Spidermon(spidermon_extensions.Spidermon):
    """spidermon's extension, with the per-item field coverage counted cheaply.

    spidermon's own ``item_scraped`` reads five settings and increments one stat
    per field for every item (~55 µs an item on the crawler's thread). With the
    settings this project uses (top-level fields only, nothing in lists, null
    and empty values skipped), this counts the same fields, skipping the same
    values, in a plain Counter and writes the same ``spidermon_item_scraped_count``
    stats once, just before spidermon computes coverage when the spider closes.
    Any other coverage setting is left to spidermon's own counting.
    ``tests/test_coverage.py`` checks both give the same stats.
    """

    @classmethod
    def from_crawler(cls, crawler):
        extension = super().from_crawler(crawler)
        settings = crawler.settings
        extension._fast_coverage = (
            settings.getbool("SPIDERMON_FIELD_COVERAGE_SKIP_NONE")
            and settings.getbool("SPIDERMON_FIELD_COVERAGE_SKIP_FALSY", True)
            and settings.getint("SPIDERMON_LIST_FIELDS_COVERAGE_LEVELS", 0) == 0
            and settings.get("SPIDERMON_DICT_FIELDS_COVERAGE_LEVELS", -1) in (0, "0")
        )
        # Values spidermon never counts (by default "", [], {}, "N/A", "-"),
        # matched as it matches them: same type, equal value.
        skip = coverage_skip_values(extension, settings)
        extension._skip_strings = {v for v in skip if type(v) is str}
        extension._skip_others = [v for v in skip if type(v) is not str]
        extension._coverage = Counter()
        return extension

    def item_scraped(self, item, response, spider):
        if not self._fast_coverage:
            super().item_scraped(item, response, spider)
            return
        prefix = f"spidermon_item_scraped_count/{type(item).__name__}"
        coverage = self._coverage
        coverage["spidermon_item_scraped_count"] += 1
        coverage[prefix] += 1
        for name, value in ItemAdapter(item).items():
            if not value:  # None and every other falsy value, as spidermon skips
                continue
            if type(value) is str:
                if value in self._skip_strings:
                    continue
            elif any(
                type(value) is type(skip) and value == skip
                for skip in self._skip_others
            ):
                continue
            coverage[f"{prefix}/{name}"] += 1

    def write_coverage(self) -> None:
        """Add the counts so far to the stats."""
        stats = self.crawler.stats
        for key, count in self._coverage.items():
            stats.inc_value(key, count)
        self._coverage.clear()

    def spider_closed(self, spider):
        self.write_coverage()
        super().spider_closed(spider)
