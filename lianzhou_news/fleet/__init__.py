"""Distributed mode: any number of ``scrapy crawl`` workers share one crawl via Redis.

Off by default. Setting ``REDIS_URL`` switches a spider to it (see
``PlatformNewsSpider.update_settings``): scrapy-redis's scheduler and duplicate
filter hold the request queue, and the cross-run state (``RedisStateStore``)
moves from the SQLite file into Redis, where every worker sees it. Only this
package (and ``commands/fleet.py``) imports redis and scrapy-redis. The
settings name ``FleetExtension`` and ``ArticleSources`` by path, so Scrapy
imports the package in every crawl; both are off (NotConfigured) without
``REDIS_URL``.

What scrapy-redis alone does not give, and this package adds, one module each:

* **One fleet run** (``membership``). Workers started for the same crawl join
  one run (the first creates it, ``<prefix>:current``); its queue, duplicate
  filter and claims live under ``<prefix>:run:<run id>:``. The run's start URLs
  are seeded by one worker only (``SET NX``). A worker writes its own files,
  ``output/<spider>/<run>.<worker>.jsonl`` (appended to if it restarts).
* **Nothing lost when a worker dies** (``queue``). A pop moves the request,
  atomically, into the worker's *claims*, released only when Scrapy's engine
  has finished with it. A worker that dies (its heartbeat key expires, or it
  restarts under the same name) has its claims put back in the queue by
  whoever notices first.
* **Nothing emitted twice** (``articles``, ``sources``). An article's id is
  *reserved* before its line is written and *recorded* after; a worker killed
  between the two settles it from its own file when it restarts under the same
  name. Until then other workers drop the article as held by it, and the run
  report says so (``scrapy fleet`` shows it, ``admin``; ``--release`` gives such
  articles back to the queue when a worker will never return).
* **Idle workers wait for the fleet** (``extension``, ``run_end``). A worker
  whose queue is empty stays while other workers still hold requests and
  closes when the whole run is done; the last one marks the columns walked.

Redis keys (``<prefix>`` = ``lianzhou:<spider>``): ``articles``, ``columns``,
``discovered`` (columns found on each start page), ``pending`` (hashes), ``carry`` (released requests, for the next run),
``current``, ``alive:<worker>`` (heartbeat, with a TTL), ``worker:<worker>``;
per run: ``requests`` (sorted set), ``dupefilter``, ``seeded``, ``workers``,
``claims:<worker>``, ``walked``, ``failed``. A single Redis server (or a
primary with replicas) is expected: the scripts (``scripts``) touch several
keys, so Redis Cluster is not supported.

``Fleet`` is this worker's fleet: its ``membership`` and the parts acting for
it (``claims``, ``articles``, ``run_end``), with the calls the spider makes.
Scrapy components reach it through ``membership_of(crawler)`` only.
"""

from __future__ import annotations

from pathlib import Path

import redis

from . import scripts
from .access import membership_of
from .articles import Articles, RedisStateStore
from .extension import FleetExtension
from .membership import FleetError, Membership
from .queue import ClaimingQueue, Claims, FleetScheduler, encode_request
from .run_end import RunEnd
from .sources import ArticleSources, sources_of

__all__ = [
    "ArticleSources",
    "ClaimingQueue",
    "Fleet",
    "FleetError",
    "FleetExtension",
    "FleetScheduler",
    "RedisStateStore",
    "encode_request",
    "membership_of",
    "sources_of",
]


class Fleet:
    """This worker's fleet: its membership of a fleet run and the parts that act
    for it, composed once."""

    def __init__(self, server: redis.Redis, spider_name: str, settings):
        self.server = server
        self.spider_name = spider_name
        registered = scripts.register(server)
        self.membership = Membership(server, spider_name, settings)
        self.claims = Claims(self.membership, registered)
        self.articles = Articles(self.membership, registered)
        self.run_end = RunEnd(self.membership, self.articles, registered)

    @classmethod
    def connect(cls, settings, spider_name: str) -> Fleet:
        """The spider's fleet on ``REDIS_URL``; FleetError when Redis does not answer."""
        return cls(Membership.connect_server(settings), spider_name, settings)

    # --- who and where --------------------------------------------------------

    @property
    def worker(self) -> str:
        return self.membership.worker

    @property
    def run(self) -> str:
        return self.membership.run

    @property
    def unavailable(self) -> bool:
        """Redis stopped answering mid-run (``lost``)."""
        return self.membership.unavailable

    def key(self, name: str) -> str:
        return self.membership.key(name)

    def run_key(self, name: str, run: str | None = None) -> str:
        return self.membership.run_key(name, run)

    # --- a worker's life ------------------------------------------------------

    def join(self, worker: str, lock_dir: Path | str, run_id: str | None) -> None:
        """Take a worker name and join (or start) the fleet run."""
        self.membership.join(worker, lock_dir, run_id)

    def register_outputs(self, outputs: list[str]) -> None:
        self.membership.register_outputs(outputs)

    def recover(self) -> dict:
        """Settle what an earlier life of this worker left: its claims go back
        to the queue, and each article it had reserved is recorded if its line
        is in this worker's files, queued again if not."""
        requeued = self.claims.requeue_own()
        recorded, released = self.articles.settle_own()
        self.claims.drain_carry()
        return {"requeued": requeued, "recorded": recorded, "released": released}

    def claim_seed(self) -> bool:
        return self.membership.claim_seed()

    def note_walked(self, columns) -> None:
        self.run_end.note_walked(columns)

    def note_failure(self) -> None:
        self.run_end.note_failure()

    def lost(self, crawler, error: Exception) -> None:
        self.membership.lost(crawler, error)

    def leave(self) -> None:
        self.membership.leave()

    # --- what the tests and `scrapy fleet` look at ---------------------------

    def reserve(self, article_id: str, digest: str, url: str, request, spider):
        return self.articles.reserve(article_id, digest, url, request, spider)

    def reservations(self):
        return self.articles.reservations()

    def held(self) -> dict[str, int]:
        return self.articles.held()

    def queued(self) -> int:
        return self.claims.queued()

    def drain_carry(self) -> int:
        return self.claims.drain_carry()
