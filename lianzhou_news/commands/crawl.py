"""``scrapy crawl`` that exits non-zero when the run was unhealthy.

Exit statuses (documented in the README):
  0  the run was healthy (finding nothing new is healthy);
  1  the run could not start: bad arguments, or the state is locked by another run;
  3  the run finished unhealthy: blocked, listings without articles, field
     coverage under its floors, too many errors, or an unexpected finish reason
     (the reasons are in the log and in the run report).
"""

from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

UNHEALTHY = 3


class Command(ScrapyCrawl):
    def short_desc(self) -> str:
        return "Run a spider; exit 3 when the run report says it was unhealthy"

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats.get_value("lianzhou/healthy") is False:
            self.exitcode = UNHEALTHY
