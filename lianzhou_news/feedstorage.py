"""A file feed storage that writes whole lines, and says when they are on disk.

Scrapy's FileFeedStorage writes through a buffer: a killed run loses the
buffer and can leave half a line at the end of its file. Here the exporter's
one ``write()`` per item becomes one ``os.write`` of the whole line, so a
run's file only ever ends with a complete line, and a line the exporter has
handled survives the process being killed (it is in the OS's cache).

Surviving a crash of the machine needs ``fsync``, which costs ~0.2 ms: done
per line on the crawler's thread, it was a tenth of a fast crawl's time. So
it is done in a thread, for many lines at once: ``await durable()`` returns
once every line written before the call is on disk (a group commit: callers
that wrote before a sync started share it; those that wrote during one wait
for the next). ``extensions.StateRecorder`` awaits it before recording an
article, so the state store never knows an article whose line could still be
lost. Files are synced once more when closed. Used for ``file://`` and plain
paths, including ``-o``/``-O``, and for the rejects file.

A line that could not be written whole (a full disk) is cut back off the
file, which ends with the last whole line. A failed open, write or sync is
reported to the file's owner (``on_failure``: for a crawl's feeds, the run's
``FeedWrites``, which the recorder asks before recording each article) and
counted process-wide in ``write_failures()``.
"""

from __future__ import annotations

import asyncio
import os
import threading

from scrapy.extensions.feedexport import FileFeedStorage

from .run import RunContext

#: Feed writes that failed in this process (a folder that cannot be made, a
#: full disk), for diagnostics; each is also reported to its file's owner.
_failures = 0


def write_failures() -> int:
    return _failures


def _count_failure() -> None:
    global _failures
    _failures += 1


# Open files with lines not yet synced. The lock keeps a file from being
# closed (and its descriptor reused) while the sync thread is on it.
_open_files: set[DurableLinesFile] = set()
_lock = threading.Lock()


def _sync_open_files() -> bool:
    """fsync every file written since its last sync; False if one failed."""
    ok = True
    with _lock:
        for handle in list(_open_files):
            if handle.dirty:
                handle.dirty = False
                try:
                    os.fsync(handle.fileno())
                except OSError:
                    handle.failed()
                    ok = False
    return ok


class _GroupSync:
    """One sync at a time, in a thread; callers that wrote while one was under
    way share the next one."""

    def __init__(self):
        self._running: asyncio.Future | None = None
        self._next: asyncio.Future | None = None

    async def durable(self) -> bool:
        loop = asyncio.get_running_loop()
        if self._running is not None and self._running.get_loop() is not loop:
            self._running = self._next = None  # left by an event loop now closed
        if self._running is None:
            waiting = self._running = self._launch(loop)
        else:
            # The sync under way may have started before this caller's write.
            if self._next is None:
                self._next = loop.create_future()
            waiting = self._next
        # shield: a caller cancelled while waiting leaves the sync to the others.
        return await asyncio.shield(waiting)

    def _launch(self, loop) -> asyncio.Future:
        running = loop.run_in_executor(None, _sync_open_files)
        running.add_done_callback(lambda _: self._finished(loop))
        return running

    def _finished(self, loop) -> None:
        self._running = None
        if self._next is not None:
            promised, self._next = self._next, None
            self._running = self._launch(loop)
            self._running.add_done_callback(
                lambda sync: promised.set_result(sync.result())
            )


_group = _GroupSync()


async def durable() -> bool:
    """True once every line written so far is on disk; False if a sync failed
    (counted in ``write_failures()``). Call on the crawler's (event loop's) thread."""
    return await _group.durable()


class DurableLinesFile:
    """The minimal binary file interface Scrapy's exporters use."""

    def __init__(self, path: str, mode: str, on_failure=None):
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if "w" in mode else os.O_APPEND)
        self.name = path
        self._on_failure = on_failure
        self._fd = os.open(path, flags, 0o644)
        #: Where the last whole line ends: a line that fails half-way is cut back to it.
        self._end = os.lseek(self._fd, 0, os.SEEK_END)
        self.closed = False
        self.dirty = False
        with _lock:
            _open_files.add(self)

    def failed(self) -> None:
        """A write or sync of this file failed: counted, and its owner told."""
        _count_failure()
        if self._on_failure is not None:
            self._on_failure()

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
        except OSError:
            # A full disk takes part of a line: take it back, so that the file
            # ends with a whole line and the next line does not glue onto it.
            try:
                os.ftruncate(self._fd, self._end)
            except OSError:
                pass  # complete_lines() cuts it when the next run reconciles
            self.failed()
            raise
        self._end += len(data)
        self.dirty = True
        return len(data)

    def flush(self) -> None:
        pass  # nothing is ever buffered in this process

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        if self.closed:
            return
        with _lock:
            _open_files.discard(self)
            try:
                os.fsync(self._fd)
            except OSError:
                self.failed()
                raise
            finally:
                os.close(self._fd)
                self.closed = True


class DurableFileFeedStorage(FileFeedStorage):
    """Scrapy's file storage, writing through a ``DurableLinesFile`` whose
    failures are reported to the run (``run.FeedWrites``)."""

    crawler = None

    @classmethod
    def from_crawler(cls, crawler, uri, *, feed_options=None):
        storage = cls(uri, feed_options=feed_options)
        storage.crawler = crawler
        return storage

    def on_failure(self) -> None:
        if self.crawler is not None:
            RunContext.of(self.crawler).feed_writes.failed()

    def open(self, spider):
        try:
            # exist_ok: workers of a fleet sharing a folder may create it at once
            # (Scrapy's own storage fails on that race).
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            super().open(spider).close()  # applies the write mode (truncate or not)
            return DurableLinesFile(self.path, "ab", on_failure=self.on_failure)
        except OSError:
            _count_failure()
            self.on_failure()
            raise
