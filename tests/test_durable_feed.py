"""The feed's group sync: a line counts as on disk only after an fsync that
began after it was written, many callers share one fsync, and a failed fsync
is reported, never taken for success.

``os.fsync`` is observed (and, for the last test, made to fail as a dying disk
would) by replacing it in the module; the files, writes and threads are real.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

from lianzhou_news import feedstorage
from lianzhou_news.feedstorage import DurableLinesFile


@pytest.fixture
def synced_sizes(monkeypatch):
    """Every fsync, as the size of the file it made durable; each returns 50 ms
    after it synced, as a slow disk's would."""
    sizes = []
    real_fsync = os.fsync

    def slow_fsync(fd):
        real_fsync(fd)
        sizes.append(os.fstat(fd).st_size)
        time.sleep(0.05)

    monkeypatch.setattr(feedstorage.os, "fsync", slow_fsync)
    return sizes


def test_a_line_written_during_a_sync_waits_for_the_next_one(tmp_path, synced_sizes):
    feed = DurableLinesFile(str(tmp_path / "run.jsonl"), "ab")

    async def scenario():
        feed.write(b'{"n": 1}\n')
        first = asyncio.ensure_future(feedstorage.durable())
        await asyncio.sleep(0.01)  # the first sync is under way
        feed.write(b'{"n": 2}\n')
        second = await feedstorage.durable()
        return await first, second, list(synced_sizes)

    try:
        first, second, seen_when_second_returned = asyncio.run(scenario())
    finally:
        feed.close()
    assert first and second
    both_lines = len(b'{"n": 1}\n{"n": 2}\n')
    # When the second caller was told "on disk", a sync had seen its line.
    assert seen_when_second_returned[-1] == both_lines


def test_many_writers_share_few_syncs(tmp_path, synced_sizes):
    feed = DurableLinesFile(str(tmp_path / "run.jsonl"), "ab")

    async def writer(n):
        feed.write(f'{{"n": {n}}}\n'.encode())
        return await feedstorage.durable()

    async def scenario():
        return await asyncio.gather(*(writer(n) for n in range(50)))

    try:
        results = asyncio.run(scenario())
    finally:
        feed.close()
    assert all(results)
    before_close = synced_sizes[:-1]  # close() syncs once more
    assert len(before_close) <= 2, before_close  # not one 0.2 ms fsync per line


def test_a_failed_sync_is_reported_not_taken_for_success(tmp_path, monkeypatch):
    def failing_fsync(fd):
        raise OSError(5, "Input/output error")

    feed = DurableLinesFile(str(tmp_path / "run.jsonl"), "ab")
    failures = feedstorage.write_failures()
    monkeypatch.setattr(feedstorage.os, "fsync", failing_fsync)

    async def scenario():
        feed.write(b'{"n": 1}\n')
        return await feedstorage.durable()

    try:
        assert asyncio.run(scenario()) is False
        assert feedstorage.write_failures() == failures + 1
    finally:
        monkeypatch.undo()
        feed.close()


def test_closing_a_file_syncs_it_even_while_the_sync_thread_runs(
    tmp_path, synced_sizes
):
    feeds = [DurableLinesFile(str(tmp_path / f"{n}.jsonl"), "ab") for n in range(3)]
    for feed in feeds:
        feed.write(b"{}\n")
    syncing = threading.Thread(target=feedstorage._sync_open_files)
    syncing.start()
    for feed in feeds:
        feed.close()  # waits for the thread, never fsyncs a closed descriptor
    syncing.join()
    assert all(feed.closed for feed in feeds)
    assert all(size == 3 for size in synced_sizes)
