"""Article extraction in worker processes, for backfills on machines with cores to spare.

Scrapy runs every callback on one thread, and extraction is most of the CPU an
article costs (``bench/RESULTS.md``). With ``LIANZHOU_EXTRACT_PROCESSES = N``
(N > 0), article pages are handed to N worker processes while the crawler's
thread goes on downloading and writing. The item is the one in-process
extraction gives: it is the same function on the same bytes, headers and URL
(``tests/test_extract_pool.py`` crawls the offline site both ways and compares).

A worker that dies mid-page (killed, out of memory, a page that crashes the
parser) breaks the pool: every page it held is tried once more on a fresh
pool, these second attempts one at a time, so that a page that kills every
worker it meets fails alone. It is reported like any article that could not be
fetched (``failed_articles`` in the run report, reason ``extraction worker
lost``; the columns are not marked walked, so the next run tries it again).
Nothing is lost and no crash ends the run.

Workers start with ``forkserver`` (``spawn`` where there is none): never
``fork``, which would copy the crawler's threads and sockets. They ignore
Ctrl-C; the crawler finishes the pages in flight and closes the pool.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from scrapy.http import TextResponse

from .extract import extract_article
from .items import ArticleItem

_WORKER_NICENESS = 10


class ExtractionWorkerLost(Exception):
    """A worker process died while it held the page, twice."""


def _start_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The crawler's one thread is what every page waits for; a worker only has
    # to keep up on average, so it yields a shared core to the crawler.
    if hasattr(os, "nice"):
        os.nice(_WORKER_NICENESS)


def _ready() -> None:
    """Sent to each worker at start: by the time it runs, the worker is up."""


def _extract_in_worker(
    response_class: type[TextResponse],
    url: str,
    status: int,
    headers: dict,
    body: bytes,
    kwargs: dict,
) -> ArticleItem:
    response = response_class(url=url, status=status, headers=headers, body=body)
    return extract_article(response, **kwargs)


class ExtractionPool:
    """``await pool.extract(response, **kwargs)`` is ``extract_article`` in a worker."""

    def __init__(self, processes: int):
        if processes < 1:
            raise ValueError(
                f"an extraction pool needs 1 or more processes, not {processes}"
            )
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None
        #: Pools replaced because a worker died.
        self.restarts = 0
        self._retrying = asyncio.Lock()

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                context = multiprocessing.get_context("forkserver")
                # The fork server imports the extractor once, not the crawl's
                # main module; each worker starts as a copy of it, at once.
                context.set_forkserver_preload([__name__])
            else:
                context = multiprocessing.get_context("spawn")
            self._executor = ProcessPoolExecutor(
                self.processes, mp_context=context, initializer=_start_worker
            )
        return self._executor

    def start(self) -> None:
        """Start the workers now, so that they are ready when the first article
        page arrives (the listing pages come first)."""
        pool = self._pool()
        for _ in range(self.processes):
            pool.submit(_ready)

    def _replace_broken(self, broken: ProcessPoolExecutor) -> None:
        if self._executor is broken:
            self._executor = None
            self.restarts += 1
            # Not cancel_futures: the pool fails every page it held with
            # BrokenProcessPool, and each is tried again. A cancelled one would
            # end its callback without a word, and the article would be lost.
            broken.shutdown(wait=False)

    async def extract(self, response: TextResponse, **kwargs) -> ArticleItem:
        job = (
            type(response),
            response.url,
            response.status,
            dict(response.headers),
            response.body,
            kwargs,
        )
        try:
            return await self._attempt(job)
        except BrokenProcessPool:
            pass
        # Second attempts go one at a time: a page that kills every worker it
        # meets then takes no other page's last chance down with it.
        async with self._retrying:
            try:
                return await self._attempt(job)
            except BrokenProcessPool:
                raise ExtractionWorkerLost(
                    f"extraction worker lost twice on {response.url}"
                ) from None

    async def _attempt(self, job: tuple) -> ArticleItem:
        pool = self._pool()
        try:
            future = pool.submit(_extract_in_worker, *job)
        except BrokenProcessPool:
            # Broken by an earlier page, before this one was sent: not an attempt.
            self._replace_broken(pool)
            pool = self._pool()
            future = pool.submit(_extract_in_worker, *job)
        try:
            return await asyncio.wrap_future(future)
        except BrokenProcessPool:
            self._replace_broken(pool)
            raise

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
