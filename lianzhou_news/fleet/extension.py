"""The fleet's Scrapy extension: heartbeat, idle waiting, and a worker's end of the run.

An idle worker whose queue is empty stays while other workers still hold
requests (their callbacks may queue more) and closes when the whole run is
done; the last one ends the run (``RunEnd.finish``).
"""

from __future__ import annotations

import logging

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from ..compat import engine_in_progress, wake_engine
from .access import membership_of

logger = logging.getLogger(__name__)


class FleetExtension:
    """Heartbeat, idle waiting, and the end of a fleet run."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.beat = None
        self._ticks = 0
        self._waited = 0
        #: Idle, and kept open while other workers finish their requests.
        self.waiting = False

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured("single-machine mode (REDIS_URL is not set)")
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    @property
    def fleet(self):
        return membership_of(self.crawler)

    def spider_opened(self, spider):
        if self.fleet is None:
            return
        self.beat = task.LoopingCall(self.tick)
        self.beat.start(1.0, now=False)

    def tick(self):
        fleet = self.fleet
        self._ticks += 1
        if fleet.unavailable:
            return
        try:
            if self._ticks % max(1, fleet.membership.ttl // 3) == 0:
                fleet.membership.heartbeat()
            fleet.claims.release_finished(engine_in_progress(self.crawler))
            if self.waiting or fleet.claims.queued():
                # Work was queued by another worker, or this idle worker waits
                # for the others: look again now, not at the engine's own
                # 5-second heartbeat.
                wake_engine(self.crawler)
        except redis.RedisError as error:
            fleet.lost(self.crawler, error)

    def spider_idle(self, spider):
        fleet = self.fleet
        if fleet is None or fleet.unavailable:
            return
        claims = fleet.claims
        try:
            claims.release_finished(engine_in_progress(self.crawler))
            claims.sweep()
            claims.drain_carry()
            queued = claims.queued()
            busy = claims.busy_workers()
        except redis.RedisError as error:
            fleet.lost(self.crawler, error)
            return
        self.waiting = False
        if queued:
            raise DontCloseSpider
        if busy:
            self.waiting = True
            self._waited += 1
            if self._waited % 30 == 1:
                logger.info(
                    "fleet: queue empty; waiting for %s",
                    ", ".join(f"{w} ({n} in flight)" for w, n in sorted(busy.items())),
                )
            raise DontCloseSpider

    def spider_closed(self, spider, reason):
        fleet = self.fleet
        if fleet is None:
            return
        if self.beat is not None and self.beat.running:
            self.beat.stop()
        stats = self.crawler.stats
        stats.set_value("lianzhou/fleet/run", fleet.run)
        stats.set_value("lianzhou/fleet/worker", fleet.worker)
        try:
            # Columns walked were noted as each last listing page was read.
            if reason == "finished" and not fleet.unavailable:
                if fleet.run_end.finish():
                    stats.set_value("lianzhou/fleet/ended_run", True)
                    logger.info("fleet: run %s is complete", fleet.run)
            held = {} if fleet.unavailable else fleet.articles.held()
            if held:
                stats.set_value("lianzhou/fleet/held_by_stopped_workers", held)
        except redis.RedisError as error:
            fleet.lost(self.crawler, error)
        finally:
            fleet.leave()
