"""A file feed storage whose every line is on disk before the next item.

Scrapy's FileFeedStorage writes through a buffer: a killed run loses the
buffer and can leave half a line at the end of its file. Here the exporter's
one ``write()`` per item becomes one ``os.write`` of the whole line followed by
``fsync``. Two promises follow: a run's file only ever ends with a complete
line, and once the feed exporter has handled an item (it does so before any
later ``item_scraped`` handler runs) its line survives a crash, so the state
store may record it. Used for ``file://`` and plain paths, including ``-o``/``-O``.
"""

from __future__ import annotations

import os

from scrapy.extensions.feedexport import FileFeedStorage

#: Feed writes that failed in this process (a folder that cannot be made, a
#: full disk): ``extensions.StateRecorder`` records an article only if none
#: failed while its line was being written, so an article whose line is not on
#: disk is never marked seen (the next run fetches it again).
_failures = 0


def write_failures() -> int:
    return _failures


def _count_failure() -> None:
    global _failures
    _failures += 1


class DurableLinesFile:
    """The minimal binary file interface Scrapy's exporters use."""

    def __init__(self, path: str, mode: str):
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if "w" in mode else os.O_APPEND)
        self.name = path
        self._fd = os.open(path, flags, 0o644)
        self.closed = False

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        try:
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            os.fsync(self._fd)
        except OSError:
            _count_failure()
            raise
        return len(data)

    def flush(self) -> None:
        pass  # nothing is ever buffered

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
            self.closed = True


class DurableFileFeedStorage(FileFeedStorage):
    def open(self, spider):
        try:
            # exist_ok: workers of a fleet sharing a folder may create it at once
            # (Scrapy's own storage fails on that race).
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            super().open(spider).close()  # applies the write mode (truncate or not)
            return DurableLinesFile(self.path, "ab")
        except OSError:
            _count_failure()
            raise
