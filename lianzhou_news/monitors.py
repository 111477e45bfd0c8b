"""Run health: spidermon monitors and their suite, run at spider close, and its extension.

spidermon's own monitors do the generic checks (finish reason, error count,
field coverage); ours check what only this crawler knows: that the site did
not block us (``BlockDetector`` in middlewares.py counts blocks), that
listings that were found led to articles that parsed, that columns read to
their end are complete, and that no article is held by a stopped worker.
The suite ends with ``WriteRunReport`` (report.py), which sees every
monitor's outcome. ``Spidermon`` is spidermon's extension with field coverage
counted cheaply; it stays beside the monitors it feeds.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import ClassVar

from itemadapter import ItemAdapter
from spidermon import Monitor, MonitorSuite, monitors
from spidermon.contrib.scrapy import extensions as spidermon_extensions
from spidermon.contrib.scrapy.monitors import (
    ErrorCountMonitor,
    FieldCoverageMonitor,
    FinishReasonMonitor,
)
from spidermon.contrib.scrapy.runners import (
    LOG_MESSAGE_HEADER,
    SpiderMonitorResult,
    SpiderMonitorRunner,
)

from .compat import coverage_skip_values, spidermon_suite_data
from .report import WriteRunReport

logger = logging.getLogger(__name__)


@monitors.name("Not blocked")
class NotBlockedMonitor(Monitor):
    @monitors.name("No blocking response or JavaScript challenge")
    def test_not_blocked(self):
        blocked = self.data.stats.get("lianzhou/errors/blocked", 0)
        self.assertEqual(
            blocked, 0, msg=f"blocked: {blocked} response(s) were a block or challenge"
        )


@monitors.name("Allowed by robots.txt")
class RobotsAllowedMonitor(Monitor):
    @monitors.name("robots.txt did not forbid everything the run set out to fetch")
    def test_robots_allowed(self):
        stats = self.data.stats
        forbidden = stats.get("robotstxt/forbidden", 0)
        nothing_read = not stats.get("lianzhou/listing/pages", 0)
        # Every article link refused (not merely known from an earlier run).
        no_article = (
            stats.get("lianzhou/article/not_allowed", 0)
            and not stats.get("lianzhou/requests/article", 0)
            and not stats.get("lianzhou/article/skipped_known", 0)
        )
        why = ""
        if stats.get("lianzhou/robotstxt/server_error"):
            status = stats.get("lianzhou/robotstxt/server_error_status")
            why = f" (robots.txt answered {status}: a server error means disallow all, RFC 9309)"
        self.assertFalse(
            forbidden and (nothing_read or no_article),
            msg=f"robots.txt disallows {'every start URL' if nothing_read else 'every article'}"
            f" ({forbidden} request(s) refused), so nothing was fetched{why}",
        )


@monitors.name("Columns found")
class ColumnsFoundMonitor(Monitor):
    @monitors.name("A start page that is not a listing led to columns")
    def test_columns_found(self):
        stats = self.data.stats
        nothing = stats.get("lianzhou/discovery/nothing_found") or []
        pages = ", ".join(entry["url"] for entry in nothing)
        self.assertFalse(
            bool(nothing),
            msg=f"discovery found no column on {pages} (no page it links to lists "
            "articles): pass the columns' listing pages with "
            "-a start_urls=URL[,URL...]",
        )
        unmatched = stats.get("lianzhou/discovery/none_matched") or []
        self.assertFalse(
            bool(unmatched),
            msg="; ".join(f"{e['url']}: {e['reason']}" for e in unmatched),
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
        unrecorded = stats.get("lianzhou/state/record_failed", 0)
        self.assertFalse(
            unrecorded,
            msg=f"{unrecorded} written article(s) could not be recorded in the state "
            "(see the log); the next run records them from this run's file",
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


@monitors.name("No article lost")
class LostArticlesMonitor(Monitor):
    @monitors.name("No article failing run after run, nor too many failing at once")
    def test_no_article_lost(self):
        stats = self.data.stats
        lost = stats.get("lianzhou/article/lost_urls") or []
        named = ", ".join(f"{a['url']} ({a['reason']})" for a in lost[:5])
        more = f" and {len(lost) - 5} more" if len(lost) > 5 else ""
        self.assertFalse(
            lost,
            msg=f"{len(lost)} article(s) failed in {lost[0]['runs'] if lost else 0} "
            f"or more consecutive runs: {named}{more}",
        )
        failed = stats.get("lianzhou/article/failed", 0)
        covered = stats.get("lianzhou/article/covered", 0)
        share = self.data.crawler.settings.getfloat("LIANZHOU_MAX_FAILED_SHARE")
        self.assertFalse(
            covered and failed / covered > share,
            msg=f"{failed} of {covered} articles failed "
            f"({failed / max(covered, 1):.0%}, more than {share:.0%})",
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


class RunHealthSuite(MonitorSuite):
    # spidermon reads these class attributes as lists.
    monitors: ClassVar[list] = [
        FinishReasonMonitor,
        ErrorCountMonitor,
        FieldCoverageMonitor,
        NotBlockedMonitor,
        RobotsAllowedMonitor,
        ColumnsFoundMonitor,
        ArticlesParsedMonitor,
        LostArticlesMonitor,
        ColumnsCompleteMonitor,
        FleetSettledMonitor,
    ]
    monitors_finished_actions: ClassVar[list] = [WriteRunReport]


class QuietMonitorResult(SpiderMonitorResult):
    """spidermon's results, logged at DEBUG through our own logger.

    spidermon logs ~25 lines of banners per run at INFO (and failures at ERROR)
    through ``Spider.log``, which Scrapy 2.19 deprecates with a WARNING. What
    they say is in the run report (``unhealthy_reasons``), and
    ``WriteRunReport`` logs each unhealthy reason as one ERROR line of its own.
    """

    def log(self, msg, level=logging.DEBUG):
        logger.debug("[%s] %s", LOG_MESSAGE_HEADER, msg)


class QuietMonitorRunner(SpiderMonitorRunner):
    def create_result(self):
        return QuietMonitorResult(self.spider)


class Spidermon(spidermon_extensions.Spidermon):
    """spidermon's extension, with the per-item field coverage counted cheaply,
    and its monitors' banners at DEBUG (``QuietMonitorResult``).

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

    def _run_suites(self, spider, suites):
        # spidermon's own, with the quiet runner (spidermon has no setting for it).
        data = spidermon_suite_data(self, spider)
        for suite in suites:
            QuietMonitorRunner(spider=spider).run(suite, **data)
