"""The fleet run's shared request queue, where every popped request is claimed.

scrapy-redis pops a request and forgets it. Here the pop moves it, atomically,
into the worker's *claims*; the claim is released only when Scrapy's engine
has finished with the request (after its callback's requests are queued and
its item's line is on disk). Claims of a worker that died go back in the
queue (``sweep``, or ``requeue_own`` when it restarts); requests released from
reservations wait in ``carry`` until a run drains them into its queue.
"""

from __future__ import annotations

import logging

import redis
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from .. import requestcodec
from ..compat import engine_in_progress
from .access import membership_of
from .membership import Membership
from .scripts import SCORE_SUFFIX

logger = logging.getLogger(__name__)


def encode_request(request, spider) -> bytes:
    """A request as the fleet's queue stores it (JSON, see ``requestcodec``)."""
    return requestcodec.dumps(request.to_dict(spider=spider))


class Claims:
    """The run's queue and this worker's claims on it."""

    def __init__(self, membership: Membership, scripts: dict):
        self.membership = membership
        self.server = membership.server
        self._scripts = scripts
        #: Requests this worker popped and has not finished: request -> claim id.
        self.claimed: dict = {}
        self._claim_counter = 0

    @property
    def key(self) -> str:
        """This worker's claims (a hash: claim id -> request, and its score)."""
        return self.membership.run_key(f"claims:{self.membership.worker}")

    @property
    def queue_key(self) -> str:
        return self.membership.run_key("requests")

    def pop_claim(self, queue_key: str) -> tuple[str | None, bytes | None]:
        self._claim_counter += 1
        claim_id = f"{self.membership.incarnation}-{self._claim_counter}"
        data = self._scripts["pop_claim"](keys=[queue_key, self.key], args=[claim_id])
        return (claim_id, data) if data else (None, None)

    def release_finished(self, in_progress) -> int:
        """Release the claims of requests the engine has finished with."""
        done = [req for req in self.claimed if req not in in_progress]
        if done:
            fields = []
            for request in done:
                claim_id = self.claimed.pop(request)
                fields += [claim_id, claim_id + SCORE_SUFFIX]
            self.server.hdel(self.key, *fields)
        return len(done)

    def requeue_own(self) -> int:
        """Put all of this worker's claims back in the queue."""
        self.claimed.clear()
        return self._scripts["requeue"](keys=[self.key, self.queue_key])

    def sweep(self) -> int:
        """Put the claims of workers whose heartbeat stopped back in the queue."""
        membership = self.membership
        moved = 0
        for name in self.server.smembers(membership.run_key("workers")):
            worker = name.decode()
            if worker == membership.worker or membership.is_alive(worker):
                continue
            claims = membership.run_key(f"claims:{worker}")
            count = self._scripts["requeue"](keys=[claims, self.queue_key])
            if count:
                logger.warning(
                    "fleet: worker %s stopped; %d of its requests queued again",
                    worker,
                    count,
                )
            moved += count
        return moved

    def drain_carry(self) -> int:
        """Move requests released for the next run into this run's queue."""
        return self._scripts["drain"](
            keys=[self.membership.key("carry"), self.queue_key]
        )

    def queued(self) -> int:
        return self.server.zcard(self.queue_key)

    def in_flight(self, worker: str, run: str | None = None) -> int:
        """Requests a worker has claimed and not finished (two fields each)."""
        return self.server.hlen(self.membership.run_key(f"claims:{worker}", run)) // 2

    def busy_workers(self) -> dict[str, int]:
        """Workers of this run holding claims, other than this one."""
        busy = {}
        for name in self.server.smembers(self.membership.run_key("workers")):
            worker = name.decode()
            if worker != self.membership.worker:
                count = self.in_flight(worker)
                if count:
                    busy[worker] = count
        return busy


class ClaimingQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop claims the request for this worker."""

    def pop(self, timeout=0):
        fleet = membership_of(self.spider.crawler)
        claim_id, data = fleet.claims.pop_claim(self.key)
        if data is None:
            return None
        # What scrapy-redis's own (private) _decode_request does, in public calls.
        request = request_from_dict(self.serializer.loads(data), spider=self.spider)
        fleet.claims.claimed[request] = claim_id
        return request


class FleetScheduler(Scheduler):
    """scrapy-redis's scheduler on the fleet run's keys; finished requests
    release their claims whenever the engine asks for the next one."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    @property
    def fleet(self):
        return membership_of(self.crawler)

    def open(self, spider):
        fleet = self.fleet
        self.queue_key = fleet.run_key("requests")
        self.df = RFPDupeFilter(
            self.server,
            key=fleet.run_key("dupefilter"),
            debug=spider.settings.getbool("DUPEFILTER_DEBUG"),
        )
        return super().open(spider)

    def enqueue_request(self, request):
        try:
            if not request.dont_filter and self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        except redis.RedisError as error:
            # Not queued: the run ends unfinished, so its columns are not marked
            # walked and the next run walks to this link again.
            self.fleet.lost(self.crawler, error)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        fleet = self.fleet
        if fleet.unavailable:
            return None
        try:
            fleet.claims.release_finished(engine_in_progress(self.crawler))
            request = self.queue.pop()
        except redis.RedisError as error:
            fleet.lost(self.crawler, error)
            return None
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        fleet = self.fleet
        if fleet.unavailable:
            return False
        try:
            return len(self) > 0
        except redis.RedisError as error:
            fleet.lost(self.crawler, error)
            return False

    def close(self, reason):
        # Whatever the engine did not finish goes back for another worker.
        fleet = self.fleet
        if fleet.unavailable:
            return None
        try:
            fleet.claims.release_finished(engine_in_progress(self.crawler))
            requeued = fleet.claims.requeue_own()
        except redis.RedisError as error:
            fleet.lost(self.crawler, error)
            return None
        if requeued:
            logger.info("fleet: %d unfinished request(s) queued again", requeued)
        return super().close(reason)
