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


class DurableLinesFile:
    """The minimal binary file interface Scrapy's exporters use."""

    def __init__(self, path: str, mode: str):
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if "w" in mode else os.O_APPEND)
        self.name = path
        self._fd = os.open(path, flags, 0o644)
        self.closed = False

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)
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
        super().open(spider).close()  # creates the folders and applies the write mode
        return DurableLinesFile(self.path, "ab")
