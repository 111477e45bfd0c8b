"""``scrapy crawl`` that exits 0 only when the run was healthy and its report written.

Exit statuses (``EXIT_STATUSES``; the table in docs/operations.md is checked
against it by tests/test_docs.py):
  0  the run was healthy (finding nothing new is healthy) and its report written;
  1  the run could not start: a bad argument or setting, a state locked by
     another run or damaged, Redis not answering (one line says why);
  2  the command line was wrong: no spider or an unknown one, an option Scrapy
     does not know, ``-a`` without ``NAME=VALUE`` (Scrapy's usage error: its
     usage text, then one line saying what was wrong);
  3  the run finished unhealthy: blocked, listings without articles, field
     coverage under its floors, too many errors, articles lost, or an
     unexpected finish reason (the reasons are in the log and in the run report);
  4  no verdict: the run report could not be written, or the run was stopped
     before it could judge itself (a forced shutdown).
"""

from __future__ import annotations

import asyncio
import logging

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from lianzhou_news.run import RunContext

logger = logging.getLogger(__name__)

HEALTHY = 0
COULD_NOT_START = 1
USAGE = 2  # scrapy.cmdline exits 2 on a UsageError
UNHEALTHY = 3
NO_VERDICT = 4

#: Every status ``scrapy crawl`` exits with, in a word (the module docstring says more).
EXIT_STATUSES = {
    HEALTHY: "healthy",
    COULD_NOT_START: "could not start",
    USAGE: "wrong command line",
    UNHEALTHY: "unhealthy",
    NO_VERDICT: "no verdict",
}


class StartupBannersToDebug(logging.Filter):
    """Scrapy's ~90 start-up lines (versions, every enabled component, the
    overridden settings) at DEBUG: a healthy run's log at INFO is then a
    handful of lines ending with the summary. ``-L DEBUG`` shows them again."""

    BANNERS = ("Versions:", "Enabled ", "Overridden settings:")
    LOGGERS = (
        "scrapy.utils.log",
        "scrapy.addons",
        "scrapy.middleware",
        "scrapy.crawler",
    )

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and str(record.msg).startswith(self.BANNERS):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True

    @classmethod
    def install(cls) -> None:
        banners = cls()
        for name in cls.LOGGERS:
            log = logging.getLogger(name)
            if not any(isinstance(f, cls) for f in log.filters):
                log.addFilter(banners)


class Command(ScrapyCrawl):
    def short_desc(self) -> str:
        return "Run a spider; exit 0 only when its report says it was healthy"

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        # Before the crawler process exists: it logs the versions when created.
        StartupBannersToDebug.install()

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError(
                f"give exactly one spider name (got: {' '.join(args) or 'none'})",
                print_help=False,
            )
        assert self.crawler_process
        try:
            crawler = self._create_crawler(args[0])
        except KeyError:
            known = ", ".join(self.crawler_process.spider_loader.list())
            raise UsageError(
                f"no spider named {args[0]!r} (spiders: {known})", print_help=False
            ) from None
        start_errors: list[BaseException] = []
        _keep_start_error(
            self.crawler_process.crawl(crawler, **opts.spargs), start_errors
        )
        self.crawler_process.start()
        for error in start_errors:
            # One line, not asyncio's 20-line traceback: these are the
            # operator's to fix (an argument, a lock, a server), not bugs.
            logger.error("%s: could not start: %s", args[0], error)
            logger.debug("start-up error", exc_info=error)
        if self.crawler_process.bootstrap_failed or start_errors:
            run = RunContext.current(crawler)
            if run is not None:
                run.abandon()
            self.exitcode = COULD_NOT_START
            return
        self.exitcode = exit_status(
            crawler.stats.get_stats(),
            bool(crawler.settings.get("LIANZHOU_REPORT_URI")),
        )


def exit_status(stats: dict, report_expected: bool) -> int:
    """The exit status of a crawl that started, from its stats (module docstring).

    >>> exit_status({"lianzhou/healthy": True, "lianzhou/report_written": True}, True)
    0
    >>> exit_status({}, True)  # stopped before its monitors ran
    4
    >>> exit_status({"lianzhou/healthy": True}, True)  # the report was not written
    4
    >>> exit_status({"lianzhou/healthy": False, "lianzhou/report_written": True}, True)
    3
    """
    healthy = stats.get("lianzhou/healthy")
    if healthy is None or (
        report_expected and not stats.get("lianzhou/report_written")
    ):
        return NO_VERDICT
    return HEALTHY if healthy else UNHEALTHY


def _keep_start_error(started, errors: list) -> None:
    """Collect the exception a crawl's start raised (an asyncio task under the
    asyncio reactor, else a Deferred), so that it is not logged as a traceback."""
    if isinstance(started, asyncio.Future):

        def done(task: asyncio.Future) -> None:
            if not task.cancelled() and task.exception() is not None:
                errors.append(task.exception())

        started.add_done_callback(done)
    elif started is not None and hasattr(started, "addErrback"):

        def failed(failure):
            errors.append(failure.value)

        started.addErrback(failed)
