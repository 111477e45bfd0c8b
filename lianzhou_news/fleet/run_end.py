"""The end of a fleet run: failures and walked columns noted, and the run closed.

Each worker notes, as they happen, the articles that failed and the columns it
walked to their last listing page. The worker that finds nothing left in the
run, anywhere, ends it (``finish``): it marks the noted columns walked, unless
an article failed or is held by a stopped worker, so that later incremental
runs, which stop at known articles, cannot miss one.
"""

from __future__ import annotations

import json

from ..state import now_utc
from .articles import Articles
from .membership import Membership

#: How long a finished run's keys stay, for `scrapy fleet` to show.
FINISHED_RUN_TTL = 24 * 3600


class RunEnd:
    """Notes toward the end of the fleet run, and the end itself."""

    def __init__(self, membership: Membership, articles: Articles, scripts: dict):
        self.membership = membership
        self.server = membership.server
        self.articles = articles
        self._scripts = scripts

    def note_failure(self) -> None:
        self.server.incr(self.membership.run_key("failed"))

    def note_walked(self, columns) -> None:
        if columns:
            self.server.sadd(self.membership.run_key("walked"), *sorted(columns))

    def finish(self) -> bool:
        """End the run if nothing is left in it; the worker that does marks the
        columns walked (when no article failed or is held anywhere)."""
        membership = self.membership
        run_key = membership.run_key
        ended = self._scripts["finish"](
            keys=[membership.key("current"), run_key("requests"), run_key("workers")],
            args=[membership.run, run_key("claims:")],
        )
        if not ended:
            return False
        failed = int(self.server.get(run_key("failed")) or 0)
        if not failed and not self.articles.held():
            now = now_utc()
            walked = [c.decode() for c in self.server.smembers(run_key("walked"))]
            if walked:
                self.server.hset(
                    membership.key("columns"),
                    mapping={
                        c: json.dumps({"walked_at": now, "run": membership.run})
                        for c in walked
                    },
                )
        self.server.delete(run_key("dupefilter"))
        for name in ("requests", "seeded", "workers", "walked", "failed"):
            self.server.expire(run_key(name), FINISHED_RUN_TTL)
        return True
