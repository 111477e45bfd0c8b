"""The fleet's articles: reserved before a line is written, recorded after, in Redis.

Before an article's line is written, the worker *reserves* its id
(``pending``), with the request that fetched it; after the line is on disk it
*records* it (``articles``). A worker killed between the two leaves a
reservation only its own output file can settle (``settle_own``, when it
restarts under the same name); until then other workers drop the article as
*held* by it. ``RedisStateStore`` is the fleet's ``state.ArticleStore``.
"""

from __future__ import annotations

import json
from pathlib import Path

import redis

from ..conditional import Validators
from ..state import Discovered, Known, complete_lines, now_utc
from .membership import Membership
from .queue import encode_request
from .sources import sources_of


class Articles:
    """Reservations and records of articles, shared by the whole fleet."""

    def __init__(self, membership: Membership, scripts: dict):
        self.membership = membership
        self.server = membership.server
        self._scripts = scripts

    def _keys(self) -> list[str]:
        key = self.membership.key
        return [key("articles"), key("pending"), key("pending:requests")]

    def reserve(self, article_id: str, digest: str, url: str, request, spider):
        """Reserve an article's id before its line is written (see
        ``scripts.RESERVE``), with the request that fetched it, to be queued
        again should this worker die before writing the line."""
        membership = self.membership
        entry = {
            "worker": membership.worker,
            "hash": digest,
            "url": url,
            "run": membership.run,
            "score": -request.priority,
        }
        outcome, detail = self._scripts["reserve"](
            keys=self._keys(),
            args=[
                article_id,
                membership.worker,
                digest,
                now_utc(),
                json.dumps(entry),
                membership.key("alive:"),
                membership.run,
                encode_request(request, spider),
            ],
        )
        return outcome.decode(), detail.decode()

    def record(self, article_id: str, url: str, digest: str, version: int) -> None:
        """Record an article whose line is on disk, and drop its reservation."""
        now = now_utc()
        entry = {
            "url": url,
            "hash": digest,
            "version": version,
            "last_seen": now,
            "run": self.membership.run,
        }
        self._scripts["record"](
            keys=self._keys(),
            args=[article_id, json.dumps(entry), now, self.membership.worker],
        )

    def touch(self, article_id: str) -> None:
        """An unchanged article was fetched again: its last-seen time moves."""
        self._scripts["touch"](
            keys=[self.membership.key("articles")], args=[article_id, now_utc()]
        )

    def release(self, article_id: str, worker: str) -> int:
        """Give a worker's reservation back: its request goes to ``carry``."""
        key = self.membership.key
        return self._scripts["release"](
            keys=[key("pending"), key("carry"), key("pending:requests")],
            args=[article_id, worker],
        )

    def reservations(self):
        """Every reserved article not yet recorded: (article id, its entry)."""
        for article_id, entry in self.server.hscan_iter(self.membership.key("pending")):
            yield article_id.decode(), json.loads(entry)

    def held(self) -> dict[str, int]:
        """Reservations of workers that stopped, by worker."""
        held: dict[str, int] = {}
        for _, entry in self.reservations():
            worker = entry["worker"]
            if worker != self.membership.worker and not self.membership.is_alive(
                worker
            ):
                held[worker] = held.get(worker, 0) + 1
        return held

    def settle_own(self) -> tuple[int, int]:
        """Settle the reservations an earlier life of this worker left: each is
        recorded if its line is in this worker's files, released if not.
        Returns (recorded, released)."""
        worker = self.membership.worker
        mine = {
            article_id: entry
            for article_id, entry in self.reservations()
            if entry["worker"] == worker
        }
        recorded = released = 0
        if mine:
            written = {}
            for output in self.membership.registered_outputs():
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
                    released += self.release(article_id, worker)
        return recorded, released

    def release_worker(self, worker: str) -> int:
        """Give a stopped worker's reservations back to the queue (its output
        file is gone or unreachable). If it had written some of those lines,
        they will be written again: a worker that can restart should."""
        released = 0
        for article_id, entry in list(self.reservations()):
            if entry["worker"] == worker:
                released += self.release(article_id, worker)
        return released


class RedisStateStore:
    """The cross-run state of a fleet, kept in Redis: a ``state.ArticleStore``
    with the SQLite store's semantics, decided for all workers at once."""

    def __init__(self, fleet, crawler):
        self.fleet = fleet
        self.crawler = crawler
        self.server = fleet.server

    def _ask(self, call, *args, default=None):
        """``call(*args)``, or ``default`` when Redis does not answer (the fleet
        is told it lost Redis, which stops the worker cleanly)."""
        try:
            return call(*args)
        except redis.RedisError as error:
            self.fleet.lost(self.crawler, error)
            return default

    def known(self, article_id: str) -> Known | None:
        raw = self._ask(self.server.hget, self.fleet.key("articles"), article_id)
        if raw is None:
            return None
        data = json.loads(raw)
        return Known.from_row(
            article_id, data["hash"], data["version"], data["last_seen"]
        )

    def reserve(self, item, digest: str) -> tuple[str, int | str | None]:
        """``StateStore.reserve`` for the whole fleet at once
        (``Articles.reserve``): besides reserved and unchanged, the article may
        be a duplicate of this run, in flight on a live worker, or held by a
        stopped one (detail: the worker); ``unavailable`` when Redis does not
        answer. The request stored with the reservation is the one
        ``ArticleSources`` saw the item come from."""
        try:
            outcome, detail = self.fleet.articles.reserve(
                item["article_id"],
                digest,
                item["url"],
                sources_of(self.crawler).pop(item),
                self.crawler.spider,
            )
        except redis.RedisError as error:
            self.fleet.lost(self.crawler, error)
            return "unavailable", None
        return outcome, int(detail) if outcome == "reserved" else detail

    def record(self, article_id, url, digest, version, run_id=None) -> None:
        """Record for the fleet; the entry names the fleet run, not ``run_id``
        (the worker's own ``<run>.<worker>``). If Redis does not answer, the
        line is on disk and the reservation stays: this worker's next start
        records it from its file."""
        self._ask(self.fleet.articles.record, article_id, url, digest, version)

    def touch(self, article_id: str) -> None:
        self._ask(self.fleet.articles.touch, article_id)

    def validators(self, url: str) -> Validators | None:
        """The fleet's validators of ``url`` (``conditional``), shared by all workers."""
        raw = self._ask(self.server.hget, self.fleet.key("validators"), url)
        return None if raw is None else Validators(*json.loads(raw))

    def save_validators(self, url: str, validators: Validators) -> None:
        entry = [validators.etag, validators.last_modified, validators.listing]
        self._ask(
            self.server.hset, self.fleet.key("validators"), url, json.dumps(entry)
        )

    def count(self) -> int:
        return self.server.hlen(self.fleet.key("articles"))

    def column_walked(self, column_url: str) -> bool:
        key = self.fleet.key("columns")
        return bool(self._ask(self.server.hexists, key, column_url, default=False))

    def discovered_columns(self, start_page: str) -> Discovered | None:
        """What discovery last found on ``start_page``, for the whole fleet."""
        raw = self._ask(self.server.hget, self.fleet.key("discovered"), start_page)
        if raw is None:
            return None
        data = json.loads(raw)
        return Discovered.from_json(json.dumps(data["columns"]), data["at"])

    def remember_columns(self, start_page: str, columns: list[dict]) -> None:
        entry = json.dumps({"columns": columns, "at": now_utc()}, ensure_ascii=False)
        self._ask(self.server.hset, self.fleet.key("discovered"), start_page, entry)

    def finish_run(
        self, run_id, walked_columns, clean: bool, *, settled: bool = True
    ) -> None:
        """This worker's part of the run is over: note the columns it walked,
        fleet-wide. They are marked walked when the fleet run ends with no
        failed or held article anywhere (``RunEnd.finish``); ``clean`` is not
        this worker's to decide for the fleet (its failed articles were counted
        as they happened, ``RunEnd.note_failure``), so a worker stopped early
        does not keep the others' clean run from counting. ``settled`` is not
        needed here: an unrecorded line keeps its reservation, which this
        worker's next start settles from its file (``Fleet.recover``)."""
        if self.fleet.unavailable or not walked_columns:
            return
        try:
            self.fleet.run_end.note_walked(walked_columns)
        except redis.RedisError as error:
            self.fleet.lost(self.crawler, error)
