"""``scrapy fleet SPIDER``: what a distributed crawl is doing, from its Redis.

Prints the current fleet run of the spider as JSON: queued requests, every
worker of the run with whether its heartbeat is alive and how many requests it
holds, articles known, and articles held by stopped workers. ``--release
WORKER`` gives a stopped worker's reserved articles back to the queue, for a
worker that will never restart (lines it had written would be written again).
"""

from __future__ import annotations

import json
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from ..fleet import Fleet, FleetError, admin


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "SPIDER [--release WORKER]"

    def short_desc(self) -> str:
        return "Show a distributed crawl's progress in Redis (REDIS_URL)"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument(
            "--release",
            metavar="WORKER",
            help="give a stopped worker's reserved articles back to the queue",
        )

    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        if not self.settings.get("REDIS_URL"):
            raise UsageError("REDIS_URL is not set (-s REDIS_URL=redis://HOST:6379/0)")
        try:
            fleet = Fleet.connect(self.settings, args[0])
        except FleetError as error:
            print(error)
            self.exitcode = 1
            return
        if opts.release:
            try:
                count = admin.release(fleet, opts.release)
            except FleetError as error:  # the worker is alive
                print(error)
                self.exitcode = 1
                return
            print(f"{count} article(s) of {opts.release} queued to fetch again")
            return
        print(json.dumps(admin.status(fleet), ensure_ascii=False, indent=2))
