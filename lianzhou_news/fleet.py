"""Distributed mode: any number of ``scrapy crawl`` workers share one crawl via Redis.

Off by default. Setting ``REDIS_URL`` switches a spider to it (see
``PlatformNewsSpider.update_settings``): scrapy-redis's scheduler and duplicate
filter hold the request queue, and the cross-run state (``RedisStateStore``)
moves from the SQLite file into Redis, where every worker sees it.

What scrapy-redis alone does not give, and this module adds:

* **One fleet run.** Workers started for the same crawl join one run (the
  first creates it, ``<prefix>:current``); its queue, duplicate filter and
  claims live under ``<prefix>:run:<run id>:``. The run's start URLs are
  seeded by one worker only (``SET NX``). A worker writes its own files,
  ``output/<spider>/<run>.<worker>.jsonl`` (appended to if it restarts).
* **Nothing lost when a worker dies.** scrapy-redis pops a request and forgets
  it. Here the pop moves it, atomically, into the worker's *claims*; the claim
  is released only when Scrapy's engine has finished with the request, which
  is after its callback's requests are queued and its item's line is on disk.
  A worker that dies (its heartbeat key expires, or it restarts under the same
  name) has its claims put back in the queue by whoever notices first.
* **Nothing emitted twice.** Before an article's line is written, the worker
  *reserves* its id in Redis (``pending``); after the line is on disk it
  *records* it (``articles``). A worker killed between the two leaves a
  reservation only its own output file can settle: when it restarts under the
  same name it reads its file, records what it had written and queues again
  what it had not. Until then other workers drop the article as held by it,
  and the run report says so (``scrapy fleet`` shows it; ``--release`` gives
  such articles back to the queue when a worker will never return).
* **Idle workers wait for the fleet.** A worker whose queue is empty stays
  while other workers still hold requests (their callbacks may queue more) and
  closes when the whole run is done; the last one marks the columns walked.

Redis keys (``<prefix>`` = ``lianzhou:<spider>``): ``articles``, ``columns``,
``pending`` (hashes), ``carry`` (released requests, for the next run),
``current``, ``alive:<worker>`` (heartbeat, with a TTL), ``worker:<worker>``;
per run: ``requests`` (sorted set), ``dupefilter``, ``seeded``, ``workers``,
``claims:<worker>``, ``walked``, ``failed``. A single Redis server (or a
primary with replicas) is expected: the scripts below touch several keys, so
Redis Cluster is not supported.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import socket
import weakref
from pathlib import Path

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from . import requestcodec
from .state import Known, complete_lines, new_run_id, now_utc

logger = logging.getLogger(__name__)

_SCORE = ":score"

# Pop the best request and claim it for a worker, in one step: a request is
# always either queued or claimed, never only in a dead process's memory.
_POP_CLAIM = r"""
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[1], ARGV[1] .. ':score', r[2])
return r[1]
"""

# Put every claim of a worker back in the queue.
_REQUEUE_CLAIMS = r"""
local all = redis.call('HGETALL', KEYS[1])
local moved = 0
for i = 1, #all, 2 do
  local field = all[i]
  if string.sub(field, -6) ~= ':score' then
    local score = redis.call('HGET', KEYS[1], field .. ':score') or '0'
    redis.call('ZADD', KEYS[2], score, all[i + 1])
    moved = moved + 1
  end
end
redis.call('DEL', KEYS[1])
return moved
"""

# Decide what an extracted article is, and reserve its id if it is to be
# emitted. Returns {outcome, detail}: reserved (detail: version), unchanged,
# duplicate (this run has it already), in_flight (a live worker is writing
# it) or held (a worker that stopped reserved it; detail: that worker).
_RESERVE = r"""
local p = redis.call('HGET', KEYS[2], ARGV[1])
if p then
  local holder = cjson.decode(p)['worker']
  if holder == ARGV[2] then return {'duplicate', holder} end
  if redis.call('EXISTS', ARGV[6] .. holder) == 1 then return {'in_flight', holder} end
  return {'held', holder}
end
local version = 1
local a = redis.call('HGET', KEYS[1], ARGV[1])
if a then
  local known = cjson.decode(a)
  if known['run'] == ARGV[7] then return {'duplicate', ''} end
  if known['hash'] == ARGV[3] then
    known['last_seen'] = ARGV[4]
    redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(known))
    return {'unchanged', ''}
  end
  version = tonumber(known['version']) + 1
end
local entry = cjson.decode(ARGV[5])
entry['version'] = version
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(entry))
redis.call('HSET', KEYS[3], ARGV[1], ARGV[8])
return {'reserved', tostring(version)}
"""

# Record an article whose line is on disk, and drop the writer's reservation.
_RECORD = r"""
local entry = cjson.decode(ARGV[2])
local a = redis.call('HGET', KEYS[1], ARGV[1])
if a then entry['first_seen'] = cjson.decode(a)['first_seen'] else entry['first_seen'] = ARGV[3] end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
local p = redis.call('HGET', KEYS[2], ARGV[1])
if p and cjson.decode(p)['worker'] == ARGV[4] then
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
end
return 1
"""

# Give a reservation's request back to a queue (its line was never written).
_RELEASE = r"""
local p = redis.call('HGET', KEYS[1], ARGV[1])
if not p then return 0 end
local entry = cjson.decode(p)
if ARGV[2] ~= '' and entry['worker'] ~= ARGV[2] then return 0 end
local data = redis.call('HGET', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if data then redis.call('RPUSH', KEYS[2], tostring(entry['score']) .. '\n' .. data) end
return 1
"""

# Move released requests into the running queue.
_DRAIN_CARRY = r"""
local moved = 0
while true do
  local encoded = redis.call('LPOP', KEYS[1])
  if not encoded then break end
  local cut = string.find(encoded, '\n', 1, true)
  redis.call('ZADD', KEYS[2], string.sub(encoded, 1, cut - 1), string.sub(encoded, cut + 1))
  moved = moved + 1
end
return moved
"""

# End the run if it is this one and nothing is left anywhere in it.
_FINISH = r"""
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('HLEN', ARGV[2] .. worker) > 0 then return 0 end
end
redis.call('DEL', KEYS[1])
return 1
"""


class FleetError(RuntimeError):
    """The fleet cannot take this worker: a name clash or a conflicting run."""


def encode_request(request, spider) -> bytes:
    """A request as the fleet's queue stores it (JSON, see ``requestcodec``)."""
    return requestcodec.dumps(request.to_dict(spider=spider))


class Fleet:
    """This worker's membership of a fleet run, and the run's shared keys."""

    def __init__(self, server: redis.Redis, spider_name: str, settings):
        self.server = server
        self.spider_name = spider_name
        self.prefix = f"{settings.get('LIANZHOU_REDIS_PREFIX')}:{spider_name}"
        self.ttl = max(1, settings.getint("LIANZHOU_FLEET_HEARTBEAT_TTL"))
        self.host = socket.gethostname()
        self.incarnation = secrets.token_hex(6)
        self.worker = ""
        self.run = ""
        self._lock_file = None
        self._scripts = {
            name: server.register_script(source)
            for name, source in (
                ("pop_claim", _POP_CLAIM),
                ("requeue", _REQUEUE_CLAIMS),
                ("reserve", _RESERVE),
                ("record", _RECORD),
                ("release", _RELEASE),
                ("drain", _DRAIN_CARRY),
                ("finish", _FINISH),
            )
        }
        #: Requests this worker popped and has not finished: request -> claim id.
        self.claimed: dict = {}
        #: Article item -> the request it came from (stored with its reservation).
        self.sources: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._claim_counter = 0
        #: Set once Redis stopped answering mid-run (see ``lost``).
        self.unavailable = False

    def lost(self, crawler, error: Exception) -> None:
        """Redis stopped answering mid-run: close this worker instead of looping
        on errors. Its claims and reservations stay in Redis; the next worker to
        start under its name (or any worker, once its heartbeat has expired)
        queues them again, so the articles are fetched by a later run."""
        if self.unavailable:
            return
        self.unavailable = True
        logger.error(
            "fleet: Redis is unavailable (%s); closing worker %s. Its unfinished "
            "requests stay claimed in Redis and are queued again when a worker "
            "next starts",
            error,
            self.worker,
        )
        crawler.stats.set_value("lianzhou/fleet/redis_error", str(error))
        engine = crawler.engine
        if hasattr(engine, "close_spider_async"):  # Scrapy 2.14 and later
            deferred_from_coro(engine.close_spider_async(reason="redis_unavailable"))
        else:
            engine.close_spider(crawler.spider, "redis_unavailable")

    # --- keys ---------------------------------------------------------------

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def run_key(self, name: str, run: str | None = None) -> str:
        return f"{self.prefix}:run:{run or self.run}:{name}"

    @property
    def claims_key(self) -> str:
        return self.run_key(f"claims:{self.worker}")

    # --- joining --------------------------------------------------------------

    @classmethod
    def connect(cls, settings, spider_name: str) -> Fleet:
        server = get_redis_from_settings(settings)
        try:
            server.ping()
        except redis.RedisError as error:
            raise FleetError(
                f"REDIS_URL {settings.get('REDIS_URL')!r}: Redis does not answer ({error})"
            ) from None
        return cls(server, spider_name, settings)

    def join(self, worker: str, lock_dir: Path | str, run_id: str | None) -> None:
        """Take a worker name, join (or start) the fleet run, settle what a
        previous life of this worker left behind."""
        self.worker = self._take_name(worker, Path(lock_dir))
        alive = self.server.get(self.key(f"alive:{self.worker}"))
        if alive is not None:
            holder_host = json.loads(alive)["host"]
            if holder_host != self.host:
                raise FleetError(
                    f"worker name {self.worker!r} is alive on {holder_host}; "
                    "give each worker its own LIANZHOU_WORKER"
                )
            # Same host, and we hold its name's lock: that process is gone.
        self.heartbeat()
        current = self.server.get(self.key("current"))
        if run_id:
            if current is not None and current.decode() != run_id:
                raise FleetError(
                    f"fleet run {current.decode()!r} of {self.spider_name!r} is in "
                    f"progress; start workers without run_id to join it"
                )
            self.server.set(self.key("current"), run_id, nx=True)
            self.run = run_id
        else:
            self.server.set(self.key("current"), new_run_id(), nx=True)
            self.run = self.server.get(self.key("current")).decode()
        self.server.sadd(self.run_key("workers"), self.worker)

    def _take_name(self, worker: str, lock_dir: Path) -> str:
        """Lock the worker's name on this host, so that one process has it;
        with no name given, the first free ``<host>-<n>``."""
        lock_dir.mkdir(parents=True, exist_ok=True)
        names = [worker] if worker else [f"{self.host}-{n}" for n in range(256)]
        for name in names:
            handle = (lock_dir / f"{self.spider_name}.worker-{name}.lock").open("a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self._lock_file = handle
            return name
        raise FleetError(
            f"worker name {worker!r} is taken by another process on this host"
            if worker
            else "no free worker name on this host"
        )

    def heartbeat(self) -> None:
        value = json.dumps(
            {"host": self.host, "pid": os.getpid(), "id": self.incarnation}
        )
        self.server.set(self.key(f"alive:{self.worker}"), value, ex=self.ttl)

    def register_outputs(self, outputs: list[str]) -> None:
        key = self.key(f"worker:{self.worker}")
        known = json.loads(self.server.hget(key, "outputs") or "[]")
        for output in outputs:
            path = str(Path(output).resolve())
            if path not in known:
                known.append(path)
        self.server.hset(
            key,
            mapping={
                "outputs": json.dumps(known),
                "host": self.host,
                "run": self.run,
                "started": now_utc(),
            },
        )

    def recover(self) -> dict:
        """Settle what an earlier life of this worker left: its claims go back
        to the queue, and each article it had reserved is recorded if its line
        is in this worker's files, queued again if not."""
        requeued = self._scripts["requeue"](
            keys=[self.claims_key, self.run_key("requests")]
        )
        mine = {
            article_id: entry
            for article_id, entry in self.reservations()
            if entry["worker"] == self.worker
        }
        recorded = released = 0
        if mine:
            outputs = json.loads(
                self.server.hget(self.key(f"worker:{self.worker}"), "outputs") or "[]"
            )
            written = {}
            for output in outputs:
                for line in complete_lines(Path(output)):
                    item = json.loads(line)
                    written[(item["article_id"], item.get("version"))] = item
            for article_id, entry in mine.items():
                item = written.get((article_id, entry["version"]))
                if item is not None:
                    self.record(
                        article_id, item["url"], entry["hash"], entry["version"]
                    )
                    recorded += 1
                else:
                    released += self._scripts["release"](
                        keys=[
                            self.key("pending"),
                            self.key("carry"),
                            self.key("pending:requests"),
                        ],
                        args=[article_id, self.worker],
                    )
        self.drain_carry()
        return {"requeued": requeued, "recorded": recorded, "released": released}

    # --- the queue --------------------------------------------------------------

    def pop_claim(self, queue_key: str) -> tuple[str | None, bytes | None]:
        self._claim_counter += 1
        claim_id = f"{self.incarnation}-{self._claim_counter}"
        data = self._scripts["pop_claim"](
            keys=[queue_key, self.claims_key], args=[claim_id]
        )
        return (claim_id, data) if data else (None, None)

    def release_finished(self, in_progress) -> int:
        """Release the claims of requests the engine has finished with."""
        done = [req for req in self.claimed if req not in in_progress]
        if done:
            fields = []
            for request in done:
                claim_id = self.claimed.pop(request)
                fields += [claim_id, claim_id + _SCORE]
            self.server.hdel(self.claims_key, *fields)
        return len(done)

    def requeue_own(self) -> int:
        self.claimed.clear()
        return self._scripts["requeue"](
            keys=[self.claims_key, self.run_key("requests")]
        )

    def sweep(self) -> int:
        """Put the claims of workers whose heartbeat stopped back in the queue."""
        moved = 0
        for name in self.server.smembers(self.run_key("workers")):
            worker = name.decode()
            if worker == self.worker or self.server.exists(self.key(f"alive:{worker}")):
                continue
            claims = self.run_key(f"claims:{worker}")
            count = self._scripts["requeue"](keys=[claims, self.run_key("requests")])
            if count:
                logger.warning(
                    "fleet: worker %s stopped; %d of its requests queued again",
                    worker,
                    count,
                )
            moved += count
        return moved

    def drain_carry(self) -> int:
        return self._scripts["drain"](
            keys=[self.key("carry"), self.run_key("requests")]
        )

    def claim_seed(self) -> bool:
        return bool(self.server.set(self.run_key("seeded"), self.worker, nx=True))

    def queued(self) -> int:
        return self.server.zcard(self.run_key("requests"))

    def busy_workers(self) -> dict[str, int]:
        """Workers of this run holding claims, other than this one."""
        busy = {}
        for name in self.server.smembers(self.run_key("workers")):
            worker = name.decode()
            if worker != self.worker:
                count = self.in_flight(worker)
                if count:
                    busy[worker] = count
        return busy

    # --- articles -----------------------------------------------------------------

    def reserve(self, article_id: str, digest: str, url: str, request, spider):
        """Reserve an article's id before its line is written (see ``_RESERVE``),
        with the request that fetched it, to be queued again should this worker
        die before writing the line."""
        entry = {
            "worker": self.worker,
            "hash": digest,
            "url": url,
            "run": self.run,
            "score": -request.priority,
        }
        outcome, detail = self._scripts["reserve"](
            keys=[
                self.key("articles"),
                self.key("pending"),
                self.key("pending:requests"),
            ],
            args=[
                article_id,
                self.worker,
                digest,
                now_utc(),
                json.dumps(entry),
                self.key("alive:"),
                self.run,
                encode_request(request, spider),
            ],
        )
        return outcome.decode(), detail.decode()

    def record(self, article_id: str, url: str, digest: str, version: int) -> None:
        now = now_utc()
        entry = {
            "url": url,
            "hash": digest,
            "version": version,
            "last_seen": now,
            "run": self.run,
        }
        self._scripts["record"](
            keys=[
                self.key("articles"),
                self.key("pending"),
                self.key("pending:requests"),
            ],
            args=[article_id, json.dumps(entry), now, self.worker],
        )

    def reservations(self):
        """Every reserved article not yet recorded: (article id, its entry)."""
        for article_id, entry in self.server.hscan_iter(self.key("pending")):
            yield article_id.decode(), json.loads(entry)

    def held(self) -> dict[str, int]:
        """Reservations of workers that stopped, by worker."""
        held: dict[str, int] = {}
        for _, entry in self.reservations():
            worker = entry["worker"]
            if worker != self.worker and not self.server.exists(
                self.key(f"alive:{worker}")
            ):
                held[worker] = held.get(worker, 0) + 1
        return held

    def in_flight(self, worker: str, run: str | None = None) -> int:
        """Requests a worker has claimed and not finished (two fields each)."""
        return self.server.hlen(self.run_key(f"claims:{worker}", run)) // 2

    # --- closing --------------------------------------------------------------------

    def note_failure(self) -> None:
        self.server.incr(self.run_key("failed"))

    def note_walked(self, columns) -> None:
        if columns:
            self.server.sadd(self.run_key("walked"), *sorted(columns))

    def finish(self) -> bool:
        """End the run if nothing is left in it; the worker that does marks the
        columns walked (when no article failed or is held anywhere)."""
        ended = self._scripts["finish"](
            keys=[
                self.key("current"),
                self.run_key("requests"),
                self.run_key("workers"),
            ],
            args=[self.run, self.run_key("claims:")],
        )
        if not ended:
            return False
        failed = int(self.server.get(self.run_key("failed")) or 0)
        if not failed and not self.held():
            now = now_utc()
            walked = [c.decode() for c in self.server.smembers(self.run_key("walked"))]
            if walked:
                self.server.hset(
                    self.key("columns"),
                    mapping={
                        c: json.dumps({"walked_at": now, "run": self.run})
                        for c in walked
                    },
                )
        self.server.delete(self.run_key("dupefilter"))
        for name in ("requests", "seeded", "workers", "walked", "failed"):
            self.server.expire(self.run_key(name), 24 * 3600)  # for `scrapy fleet`
        return True

    def leave(self) -> None:
        if not self.unavailable:
            try:
                self.server.delete(self.key(f"alive:{self.worker}"))
            except redis.RedisError:
                pass  # the heartbeat key expires by itself
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    # --- status -----------------------------------------------------------------------

    def status(self) -> dict:
        current = self.server.get(self.key("current"))
        run = current.decode() if current else None
        workers = {}
        if run:
            for name in sorted(self.server.smembers(self.run_key("workers", run))):
                worker = name.decode()
                alive = self.server.get(self.key(f"alive:{worker}"))
                workers[worker] = {
                    "alive": alive is not None,
                    "in_flight": self.in_flight(worker, run),
                }
        return {
            "spider": self.spider_name,
            "run": run,
            "queued": self.server.zcard(self.run_key("requests", run)) if run else 0,
            "seen_requests": self.server.scard(self.run_key("dupefilter", run))
            if run
            else 0,
            "workers": workers,
            "articles_known": self.server.hlen(self.key("articles")),
            "columns_walked": self.server.hlen(self.key("columns")),
            "reserved": self.server.hlen(self.key("pending")),
            "held_by_stopped_workers": self.held(),
            "carried_to_next_run": self.server.llen(self.key("carry")),
        }

    def release_worker(self, worker: str) -> int:
        """Give a stopped worker's reservations back to the queue (its output
        file is gone or unreachable). If it had written some of those lines,
        they will be written again: a worker that can restart should."""
        released = 0
        for article_id, entry in list(self.reservations()):
            if entry["worker"] == worker:
                released += self._scripts["release"](
                    keys=[
                        self.key("pending"),
                        self.key("carry"),
                        self.key("pending:requests"),
                    ],
                    args=[article_id, worker],
                )
        return released


class RedisStateStore:
    """The cross-run state of a fleet, with the SQLite store's interface and
    semantics (``lianzhou_news.state.StateStore``), kept in Redis."""

    def __init__(self, fleet: Fleet, crawler):
        self.fleet = fleet
        self.crawler = crawler
        self.server = fleet.server
        self.pending_hashes: dict[str, str] = {}

    def known(self, article_id: str) -> Known | None:
        try:
            raw = self.server.hget(self.fleet.key("articles"), article_id)
        except redis.RedisError as error:
            self.fleet.lost(self.crawler, error)
            return None
        if raw is None:
            return None
        data = json.loads(raw)
        return Known.from_row(
            article_id, data["hash"], data["version"], data["last_seen"]
        )

    def reserve(self, item, digest: str) -> tuple[str, int | str | None]:
        """``StateStore.reserve`` for the whole fleet at once (``Fleet.reserve``):
        besides reserved and unchanged, the article may be a duplicate of this
        run, in flight on a live worker, or held by a stopped one (detail: the
        worker); ``unavailable`` when Redis does not answer."""
        try:
            outcome, detail = self.fleet.reserve(
                item["article_id"],
                digest,
                item["url"],
                self.fleet.sources.pop(item),
                self.crawler.spider,
            )
        except redis.RedisError as error:
            self.fleet.lost(self.crawler, error)
            return "unavailable", None
        return outcome, int(detail) if outcome == "reserved" else detail

    def record(self, article_id, url, digest, version, run_id=None) -> None:
        try:
            self.fleet.record(article_id, url, digest, version)
        except redis.RedisError as error:
            # The line is on disk and the reservation stays: this worker's next
            # start records it from its file.
            self.fleet.lost(self.crawler, error)

    def count(self) -> int:
        return self.server.hlen(self.fleet.key("articles"))

    def column_walked(self, column_url: str) -> bool:
        try:
            return bool(self.server.hexists(self.fleet.key("columns"), column_url))
        except redis.RedisError as error:
            self.fleet.lost(self.crawler, error)
            return False

    def mark_columns_walked(self, column_urls, run_id=None) -> None:
        pass  # fleet-wide: the worker that ends the run marks them (Fleet.finish)

    def close_run(self, run_id=None) -> None:
        pass

    def close(self) -> None:
        pass


class ClaimingQueue(PriorityQueue):
    """scrapy-redis's priority queue whose pop claims the request for this worker."""

    def pop(self, timeout=0):
        fleet = self.spider.fleet
        claim_id, data = fleet.pop_claim(self.key)
        if data is None:
            return None
        request = self._decode_request(data)
        fleet.claimed[request] = claim_id
        return request


class FleetScheduler(Scheduler):
    """scrapy-redis's scheduler on the fleet run's keys; finished requests
    release their claims whenever the engine asks for the next one."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    def open(self, spider):
        fleet = spider.fleet
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
            self.spider.fleet.lost(self.crawler, error)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        fleet = self.spider.fleet
        if fleet.unavailable:
            return None
        try:
            fleet.release_finished(in_progress(self.crawler))
            request = self.queue.pop()
        except redis.RedisError as error:
            fleet.lost(self.crawler, error)
            return None
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self):
        if self.spider.fleet.unavailable:
            return False
        try:
            return len(self) > 0
        except redis.RedisError as error:
            self.spider.fleet.lost(self.crawler, error)
            return False

    def close(self, reason):
        # Whatever the engine did not finish goes back for another worker.
        fleet = self.spider.fleet
        if fleet.unavailable:
            return None
        try:
            fleet.release_finished(in_progress(self.crawler))
            requeued = fleet.requeue_own()
        except redis.RedisError as error:
            fleet.lost(self.crawler, error)
            return None
        if requeued:
            logger.info("fleet: %d unfinished request(s) queued again", requeued)
        return super().close(reason)


def in_progress(crawler) -> set:
    """The requests Scrapy's engine has not finished with (downloading, or their
    callback's output still being processed)."""
    slot = getattr(crawler.engine, "_slot", None)
    requests = getattr(slot, "inprogress", None)
    if requests is None:
        if slot is None:  # the engine has closed its slot: nothing is in progress
            return set()
        raise RuntimeError(
            "distributed mode needs Scrapy's engine slot (ExecutionEngine._slot."
            "inprogress, Scrapy 2.13 to 2.19); this Scrapy does not have it"
        )
    return requests


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
    def fleet(self) -> Fleet | None:
        return getattr(self.crawler.spider, "fleet", None)

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
            if self._ticks % max(1, fleet.ttl // 3) == 0:
                fleet.heartbeat()
            fleet.release_finished(in_progress(self.crawler))
            if self.waiting or fleet.queued():
                # Work was queued by another worker, or this idle worker waits
                # for the others: look again now, not at the engine's own
                # 5-second heartbeat.
                slot = getattr(self.crawler.engine, "_slot", None)
                if slot is not None and slot.closing is None:
                    slot.nextcall.schedule()
        except redis.RedisError as error:
            fleet.lost(self.crawler, error)

    def spider_idle(self, spider):
        fleet = self.fleet
        if fleet is None or fleet.unavailable:
            return
        try:
            fleet.release_finished(in_progress(self.crawler))
            fleet.sweep()
            fleet.drain_carry()
            queued = fleet.queued()
            busy = fleet.busy_workers()
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
                if fleet.finish():
                    stats.set_value("lianzhou/fleet/ended_run", True)
                    logger.info("fleet: run %s is complete", fleet.run)
            held = {} if fleet.unavailable else fleet.held()
            if held:
                stats.set_value("lianzhou/fleet/held_by_stopped_workers", held)
        except redis.RedisError as error:
            fleet.lost(self.crawler, error)
        finally:
            fleet.leave()
