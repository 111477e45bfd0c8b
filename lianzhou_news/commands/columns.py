"""``scrapy columns SPIDER [URL[,URL...]]``: the columns a crawl would take, and nothing crawled.

Runs the spider's start as a crawl would (``-a discover_only=1``): a start
page that is a listing is one column; any other page is read for its columns
(``lianzhou_news.discovery``), each candidate page fetched once to see whether
it lists articles; columns the state remembers, while they are fresh
(``LIANZHOU_DISCOVERY_INTERVAL_DAYS``), are printed without asking the site.
No article is fetched, no feed or run report is written. ``-a columns=REGEX``
filters as in a crawl. One line per column, ``NAME<TAB>URL<TAB>HOW``, then
the pages skipped and why. Exit status 0 when a column was found, 3 when none
was (with what to do), 1 when the run could not start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.commands import BaseRunSpiderCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES

from ..spiders.base import parse_start_urls
from .crawl import COULD_NOT_START, UNHEALTHY, _keep_start_error

if TYPE_CHECKING:
    import argparse

#: What a columns run must not do that a crawl does.
_NO_OUTPUT = {
    "LIANZHOU_OUTPUT_URI": "",
    "LIANZHOU_REPORT_URI": "",
    "SPIDERMON_ENABLED": False,
    "FEEDS": {},
}


class Command(BaseRunSpiderCommand):
    requires_project = True

    def syntax(self) -> str:
        return "[options] SPIDER [URL[,URL...]]"

    def short_desc(self) -> str:
        return "Print the columns a crawl would take; crawl nothing"

    def process_options(self, args, opts) -> None:
        super().process_options(args, opts)
        if opts.output or opts.overwrite_output:
            raise UsageError("columns writes no feed: -o/-O do not apply")
        for name, value in _NO_OUTPUT.items():
            self.settings.set(name, value, priority="cmdline")
        if self.settings.getpriority("LOG_LEVEL") < SETTINGS_PRIORITIES["cmdline"]:
            # The columns are the output: the log says only what went wrong,
            # unless -L or -s LOG_LEVEL asks for more.
            self.settings.set("LOG_LEVEL", "WARNING", priority="cmdline")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) not in (1, 2):
            raise UsageError("give a spider name and, optionally, start URLs")
        spargs = {**opts.spargs, "discover_only": "1"}
        if len(args) == 2:
            try:
                parse_start_urls(args[1])
            except ValueError as error:
                raise UsageError(str(error)) from None
            spargs["start_urls"] = args[1]
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        errors: list[BaseException] = []
        _keep_start_error(self.crawler_process.crawl(crawler, **spargs), errors)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed or errors:
            for error in errors:
                print(f"could not start: {error}")
            self.exitcode = COULD_NOT_START
            return
        self.exitcode = print_columns(crawler.stats.get_stats())


def print_columns(stats: dict) -> int:
    """Print what discovery found (stats of a ``discover_only`` run); the exit status.

    >>> print_columns({"lianzhou/columns": [
    ...     {"name": "连州要闻", "url": "https://h/zwgk/lzyw/", "via": "discovered"}],
    ...     "lianzhou/discovery/skipped_urls": [{"url": "https://h/zjlz/", "reason": "lists no article"}]},
    ... )  # doctest: +NORMALIZE_WHITESPACE
    连州要闻	https://h/zwgk/lzyw/	discovered
    skipped	https://h/zjlz/	lists no article
    0
    >>> print_columns({"lianzhou/discovery/nothing_found": [{"url": "https://h/", "reason": "3 linked page(s) read, none lists articles"}]})
    no column found on https://h/ (3 linked page(s) read, none lists articles): pass the columns' listing pages with -a start_urls=URL[,URL...]
    3
    """
    columns = stats.get("lianzhou/columns") or []
    for column in columns:
        print(f"{column['name']}\t{column['url']}\t{column['via']}")
    for skipped in stats.get("lianzhou/discovery/skipped_urls") or []:
        print(f"skipped\t{skipped['url']}\t{skipped['reason']}")
    for failed in stats.get("lianzhou/listing/failed_urls") or []:
        print(f"start page failed\t{failed['url']}\t{failed['reason']}")
    for entry in stats.get("lianzhou/discovery/none_matched") or []:
        print(f"{entry['url']}: {entry['reason']}")
    for entry in stats.get("lianzhou/discovery/nothing_found") or []:
        print(
            f"no column found on {entry['url']} ({entry['reason']}): pass the "
            "columns' listing pages with -a start_urls=URL[,URL...]"
        )
    return 0 if columns else UNHEALTHY
