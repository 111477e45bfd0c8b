"""This worker's place in a fleet run: its name and lock, heartbeat, run, and keys.

A worker takes a name (locked on its host, so one process has it), keeps a
heartbeat key alive while it runs, joins the current fleet run (or starts one),
and leaves at the end. Every other part of the fleet reads the Redis client,
the worker, the run and the key names from here.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import socket
from pathlib import Path

import redis
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.connection import get_redis_from_settings

from ..state import new_run_id, now_utc

logger = logging.getLogger(__name__)


class FleetError(RuntimeError):
    """The fleet cannot take this worker: a name clash or a conflicting run."""


class Membership:
    """This worker's membership of a fleet run, and the run's key names."""

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
        #: Set once Redis stopped answering mid-run (see ``lost``).
        self.unavailable = False

    @staticmethod
    def connect_server(settings) -> redis.Redis:
        """The Redis client of ``REDIS_URL``; FleetError when it does not answer."""
        server = get_redis_from_settings(settings)
        try:
            server.ping()
        except redis.RedisError as error:
            raise FleetError(
                f"REDIS_URL {settings.get('REDIS_URL')!r}: Redis does not answer ({error})"
            ) from None
        return server

    # --- keys ---------------------------------------------------------------

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def run_key(self, name: str, run: str | None = None) -> str:
        return f"{self.prefix}:run:{run or self.run}:{name}"

    def is_alive(self, worker: str) -> bool:
        """Whether a worker's heartbeat key is there."""
        return bool(self.server.exists(self.key(f"alive:{worker}")))

    # --- joining --------------------------------------------------------------

    def join(self, worker: str, lock_dir: Path | str, run_id: str | None) -> None:
        """Take a worker name and join (or start) the fleet run."""
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
        """Remember this worker's output files, for its next life to settle from."""
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

    def registered_outputs(self) -> list[str]:
        """The output files this worker's lives registered (``register_outputs``)."""
        return json.loads(
            self.server.hget(self.key(f"worker:{self.worker}"), "outputs") or "[]"
        )

    def claim_seed(self) -> bool:
        """Whether this worker is the one to queue the run's start URLs."""
        return bool(self.server.set(self.run_key("seeded"), self.worker, nx=True))

    # --- leaving ----------------------------------------------------------------

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

    def leave(self) -> None:
        """Drop the heartbeat and the name's lock."""
        if not self.unavailable:
            try:
                self.server.delete(self.key(f"alive:{self.worker}"))
            except redis.RedisError:
                pass  # the heartbeat key expires by itself
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
