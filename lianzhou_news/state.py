"""The persistent state of scheduled runs: one SQLite file per spider.

``<LIANZHOU_STATE_DIR>/<spider>.sqlite`` remembers, per article, its id, URL,
content hash, version and when it was first and last seen; per column, whether
a run has ever walked it to its last listing page and finished cleanly.
``<spider>.lock`` is held (``flock``) for the whole run, so two runs of one
spider cannot overlap; the kernel releases it when the process dies, even by
SIGKILL, so a killed run never leaves a stale lock behind.

Ordering is what makes runs lose nothing: an article is recorded only after
its line is in the run's output file (see ``feedstorage.py`` and
``extensions.StateRecorder``), and a column counts as walked only when a run
that reached its end closed with ``finished``. A killed run therefore leaves
no mark that could hide an article it never reached.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import secrets
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from .conditional import Validators
from .text.script import to_simplified

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    article_id   TEXT PRIMARY KEY,
    url          TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    version      INTEGER NOT NULL,
    first_seen   TEXT NOT NULL,
    last_seen    TEXT NOT NULL,
    run_id       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    run_id       TEXT PRIMARY KEY,
    outputs      TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    closed       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS columns (
    column_url   TEXT PRIMARY KEY,
    walked_at    TEXT NOT NULL,
    run_id       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS validators (
    url           TEXT PRIMARY KEY,
    etag          TEXT,
    last_modified TEXT,
    listing       TEXT,
    saved_at      TEXT NOT NULL
);
"""

#: Made by the first discovery that remembers something (a spider started from
#: listing pages never needs it).
DISCOVERED_TABLE = """CREATE TABLE IF NOT EXISTS discovered (
    start_page    TEXT PRIMARY KEY,
    columns       TEXT NOT NULL,
    discovered_at TEXT NOT NULL
)"""

#: Fields whose change makes a new version of an article.
CONTENT_FIELDS = ("title", "source", "timestamp", "body", "credits", "images")


class StateLocked(RuntimeError):
    """Another run of the same spider holds the state."""


class StateDamaged(RuntimeError):
    """The state file fails SQLite's check (``PRAGMA quick_check``)."""


_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class Known:
    article_id: str
    content_hash: str
    version: int
    last_seen: datetime

    @classmethod
    def from_row(cls, article_id: str, digest: str, version, last_seen: str) -> Known:
        when = datetime.strptime(last_seen, _TIME_FORMAT).replace(tzinfo=UTC)
        return cls(article_id, digest, int(version), when)

    def due_for_refetch(self, after: timedelta) -> bool:
        return datetime.now(UTC) - self.last_seen >= after


@dataclass(frozen=True)
class Discovered:
    """The columns discovery found on a start page, and when.

    ``columns``: ``{"name", "path"}`` dicts, the path (with any query) on the
    start page's host, so that the same site on another host or port finds
    them too. ``start_page``, the key, is the start page's path and query.
    """

    columns: list[dict]
    discovered_at: datetime

    def due(self, interval: timedelta) -> bool:
        """Whether discovery must run again (``interval`` has passed)."""
        return datetime.now(UTC) - self.discovered_at >= interval

    @classmethod
    def from_json(cls, columns: str, discovered_at: str) -> Discovered:
        when = datetime.strptime(discovered_at, _TIME_FORMAT).replace(tzinfo=UTC)
        return cls(json.loads(columns), when)


def content_hash(item) -> str:
    """A digest of what an article says, not of where or how it was rendered.

    Text is folded before hashing (OpenCC t2s, NFKC width folding, whitespace
    removed) and images count by file name, so the portal's page and a mirror's
    Traditional, ASCII-punctuated copy of it, or the same page on another host,
    are one version; a changed word, date, credit or picture is a new one.
    """
    data = {name: _fold(item.get(name)) for name in CONTENT_FIELDS if name != "images"}
    data["images"] = [
        urlsplit(image["url"]).path.rsplit("/", 1)[-1]
        for image in item.get("images") or []
    ]
    encoded = json.dumps(
        data, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def _fold(value):
    if isinstance(value, str):
        return re.sub(r"\s+", "", unicodedata.normalize("NFKC", to_simplified(value)))
    if isinstance(value, dict):
        return {key: _fold(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_fold(v) for v in value]
    return value


def new_run_id() -> str:
    """A fresh run id: the UTC start time and a random suffix,
    e.g. ``20261127T104800Z-a1b2c3``."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def now_utc() -> str:
    """The current time as the stores keep it, e.g. ``2026-11-27T12:30:47Z``."""
    return datetime.now(UTC).strftime(_TIME_FORMAT)


@runtime_checkable
class StateStoreProtocol(Protocol):
    """What a run asks of its cross-run state, whichever store keeps it: the
    SQLite ``StateStore`` here, or a fleet's ``lianzhou_news.fleet.RedisStateStore``.

    ``reserve`` answers ``("reserved", version)`` (emit it, with that version)
    or ``("unchanged", None)``; a fleet's store may also answer ``duplicate``,
    ``in_flight`` or ``held`` (detail: the worker) and ``unavailable``.
    ``record`` is called once the article's line is on disk; ``touch`` when an
    article was fetched again and is unchanged (a 304). ``validators`` and
    ``save_validators`` keep a URL's ``ETag``/``Last-Modified`` (and a listing
    page's links) for conditional refetches (``lianzhou_news.conditional``).
    ``finish_run`` is
    the last call: the store settles the run's end (``clean``: the run reached
    its end, reason ``finished``, and no article failed) and lets go of what it
    holds.
    """

    def known(self, article_id: str) -> Known | None: ...

    def reserve(self, item, digest: str) -> tuple[str, int | str | None]: ...

    def record(
        self, article_id: str, url: str, digest: str, version: int, run_id: str
    ) -> None: ...

    def touch(self, article_id: str) -> None: ...

    def validators(self, url: str) -> Validators | None: ...

    def save_validators(self, url: str, validators: Validators) -> None: ...

    def column_walked(self, column_url: str) -> bool: ...

    def discovered_columns(self, start_page: str) -> Discovered | None: ...

    def remember_columns(self, start_page: str, columns: list[dict]) -> None: ...

    def count(self) -> int: ...

    def finish_run(
        self,
        run_id: str,
        walked_columns: Iterable[str],
        clean: bool,
        *,
        settled: bool = True,
    ) -> None: ...


class StateStore:
    """The SQLite store of one spider (a ``StateStoreProtocol``), locked for the run."""

    def __init__(self, directory: Path | str, spider: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"{spider}.sqlite"
        self.lock_path = self.directory / f"{spider}.lock"
        self._lock_file = self.lock_path.open("a+")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.seek(0)
            holder = self._lock_file.read().strip() or "unknown"
            self._lock_file.close()
            raise StateLocked(
                f"another run of {spider!r} holds {self.lock_path} ({holder}); "
                "two runs of one spider cannot overlap"
            ) from None
        self._lock_file.seek(0)
        self._lock_file.truncate()
        self._lock_file.write(f"pid {os.getpid()} since {now_utc()}\n")
        self._lock_file.flush()
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self._refuse_if_damaged()
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL, not FULL: a power cut may roll back the last commits, but each
        # article's line is already fsynced in its run's file and an unclosed run
        # is reconciled from that file on the next start, so nothing is lost,
        # and a crawl saves an fsync per article.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def _refuse_if_damaged(self) -> None:
        """Raise ``StateDamaged`` (and let go of the lock) if the file is damaged.

        A damaged page otherwise surfaces mid-run, inside a callback whose
        error is swallowed: every run then looks healthy and writes nothing."""
        try:
            rows = self.db.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as error:
            rows = [(str(error),)]
        problems = [row[0] for row in rows if row[0] != "ok"]
        if problems:
            self.close()
            raise StateDamaged(
                f"the state {self.path} is damaged ({problems[0]}); set it aside "
                f"(mv {self.path} {self.path}.damaged) and rebuild it from the run "
                f"files: scrapy rebuildstate {self.path.stem} output/{self.path.stem}/*.jsonl"
            )

    def rebuild_from(self, path: Path) -> int:
        """Record every article of a run's output file (rebuilding a state that
        was set aside); returns how many were recorded."""
        return self._reconcile_file(Path(path), Path(path).stem)

    def close(self) -> None:
        self.db.close()
        fcntl.flock(self._lock_file, fcntl.LOCK_UN)
        self._lock_file.close()

    # --- articles ---------------------------------------------------------

    def known(self, article_id: str) -> Known | None:
        row = self.db.execute(
            "SELECT article_id, content_hash, version, last_seen FROM articles WHERE article_id=?",
            (article_id,),
        ).fetchone()
        return None if row is None else Known.from_row(*row)

    def reserve(self, item, digest: str) -> tuple[str, int | None]:
        """What an extracted article is: ``("unchanged", None)`` (its last-seen
        time moves) or ``("reserved", version)`` to emit. One run holds the
        store, so nothing else can decide about the same article meanwhile."""
        known = self.known(item["article_id"])
        if known is not None and known.content_hash == digest:
            self.touch(item["article_id"])
            return "unchanged", None
        return "reserved", 1 if known is None else known.version + 1

    def record(
        self, article_id: str, url: str, digest: str, version: int, run_id: str
    ) -> None:
        """Remember an article whose line is already in the run's output file."""
        now = now_utc()
        self.db.execute(
            """INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(article_id) DO UPDATE SET url=excluded.url,
                 content_hash=excluded.content_hash, version=excluded.version,
                 last_seen=excluded.last_seen, run_id=excluded.run_id""",
            (article_id, url, digest, version, now, now, run_id),
        )

    def touch(self, article_id: str) -> None:
        """An unchanged article was fetched again: only its last-seen time moves."""
        self.db.execute(
            "UPDATE articles SET last_seen=? WHERE article_id=?",
            (now_utc(), article_id),
        )

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    # --- validators (conditional refetches) ----------------------------------

    def validators(self, url: str) -> Validators | None:
        row = self.db.execute(
            "SELECT etag, last_modified, listing FROM validators WHERE url=?", (url,)
        ).fetchone()
        return None if row is None else Validators(*row)

    def save_validators(self, url: str, validators: Validators) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO validators VALUES (?, ?, ?, ?, ?)",
            (
                url,
                validators.etag,
                validators.last_modified,
                validators.listing,
                now_utc(),
            ),
        )

    # --- runs -------------------------------------------------------------

    def open_run(self, run_id: str, outputs: list[str]) -> list[str]:
        """Register this run; first reconcile runs that never closed (killed).

        A killed run may have written a line and died before recording it.
        Every complete line of its output files is recorded now, so the next
        run cannot emit that article again. Returns what was reconciled.
        """
        notes = []
        for old_run, old_outputs in self.db.execute(
            "SELECT run_id, outputs FROM runs WHERE closed=0 AND run_id<>?", (run_id,)
        ).fetchall():
            for output in json.loads(old_outputs):
                recorded = self._reconcile_file(Path(output), old_run)
                notes.append(f"{old_run}: {recorded} article(s) recorded from {output}")
            self.db.execute("UPDATE runs SET closed=1 WHERE run_id=?", (old_run,))
        self.db.execute(
            "INSERT OR REPLACE INTO runs VALUES (?, ?, ?, 0)",
            (run_id, json.dumps(outputs), now_utc()),
        )
        return notes

    def close_run(self, run_id: str) -> None:
        self.db.execute("UPDATE runs SET closed=1 WHERE run_id=?", (run_id,))

    def finish_run(
        self,
        run_id: str,
        walked_columns: Iterable[str],
        clean: bool,
        *,
        settled: bool = True,
    ) -> None:
        """The run is over: after a clean one its walked columns are marked
        (a column reached by a run that lost an article must be walked again);
        the run is closed unless some of its written lines could not be recorded
        (``settled=False``: the next run's ``open_run`` records them from its
        file), and the store is closed and unlocked, whatever failed."""
        try:
            if clean:
                self.mark_columns_walked(walked_columns, run_id)
            if settled:
                self.close_run(run_id)
        finally:
            self.close()

    def _reconcile_file(self, path: Path, run_id: str) -> int:
        recorded = 0
        for line in complete_lines(path):
            item = json.loads(line)
            known = self.known(item["article_id"])
            version = item.get("version") or 1
            if known is None or known.version < version:
                self.record(
                    item["article_id"], item["url"], content_hash(item), version, run_id
                )
                recorded += 1
        return recorded

    # --- articles that failed -----------------------------------------------

    def _failures_table(self) -> None:
        self.db.execute(
            """CREATE TABLE IF NOT EXISTS article_failures (
                   url TEXT PRIMARY KEY, runs INTEGER NOT NULL, reason TEXT NOT NULL,
                   run_id TEXT NOT NULL, gone INTEGER NOT NULL DEFAULT 0)"""
        )

    def is_gone(self, url: str) -> bool:
        """True if ``url`` answered 404/410 in enough runs to count as deleted."""
        self._failures_table()
        row = self.db.execute(
            "SELECT gone FROM article_failures WHERE url=?", (url,)
        ).fetchone()
        return bool(row and row[0])

    def note_failures(
        self, failed: dict[str, str], fetched: set[str], run_id: str, runs: int
    ) -> tuple[list[dict], list[dict]]:
        """Carry article failures across runs, by the URL the listing links.

        ``failed``: URL -> reason of this run's failures; ``fetched``: URLs this
        run downloaded (their count starts again). Returns ``(lost, gone)``:
        articles failing in ``runs`` consecutive runs that tried them, and
        those now recorded as gone (404 or 410 that many times), named once.
        """
        self._failures_table()
        self.db.executemany(
            "DELETE FROM article_failures WHERE url=?", [(url,) for url in fetched]
        )
        lost, gone = [], []
        for url, reason in failed.items():
            row = self.db.execute(
                "SELECT runs FROM article_failures WHERE url=?", (url,)
            ).fetchone()
            count = (row[0] if row else 0) + 1
            is_gone = count >= runs and reason in ("404", "410")
            self.db.execute(
                "INSERT OR REPLACE INTO article_failures VALUES (?, ?, ?, ?, ?)",
                (url, count, reason, run_id, int(is_gone)),
            )
            entry = {"url": url, "reason": reason, "runs": count}
            if is_gone:
                gone.append(entry)
            elif count >= runs:
                lost.append(entry)
        return lost, gone

    # --- columns ----------------------------------------------------------

    def column_walked(self, column_url: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM columns WHERE column_url=?", (column_url,)
        ).fetchone()
        return row is not None

    def discovered_columns(self, start_page: str) -> Discovered | None:
        """What discovery last found on ``start_page``, or None."""
        made = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='discovered'"
        ).fetchone()
        if made is None:
            return None
        row = self.db.execute(
            "SELECT columns, discovered_at FROM discovered WHERE start_page=?",
            (start_page,),
        ).fetchone()
        return None if row is None else Discovered.from_json(*row)

    def remember_columns(self, start_page: str, columns: list[dict]) -> None:
        """Remember the columns discovery just found on ``start_page``."""
        self.db.execute(DISCOVERED_TABLE)
        self.db.execute(
            "INSERT OR REPLACE INTO discovered VALUES (?, ?, ?)",
            (start_page, json.dumps(columns, ensure_ascii=False), now_utc()),
        )

    def mark_columns_walked(self, column_urls, run_id: str) -> None:
        now = now_utc()
        self.db.executemany(
            "INSERT OR REPLACE INTO columns VALUES (?, ?, ?)",
            [(url, now, run_id) for url in column_urls],
        )


def complete_lines(path: Path) -> list[str]:
    """The whole lines of a run's output file (none if it does not exist).

    A half-written last line is cut off the file: never expected, since the
    durable feed storage writes each line whole, but a file must not keep it.
    """
    if not path.is_file():
        return []
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with path.open("r+b") as handle:
            handle.truncate(len(complete))
    return complete.decode("utf-8").splitlines()
