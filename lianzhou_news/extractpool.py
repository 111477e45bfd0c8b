"""Article extraction in worker processes, for backfills on machines with cores to spare.

Scrapy runs every callback on one thread, and extraction is most of the CPU an
article costs (``bench/RESULTS.md``). With ``LIANZHOU_EXTRACT_PROCESSES = N``
(N > 0), article pages are handed to N worker processes while the crawler's
thread goes on downloading and writing. The item is the one in-process
extraction gives: it is the same function on the same bytes, headers and URL
(``tests/test_extract_pool.py`` crawls the offline site both ways and compares).

Each worker is connected to the crawler by a socket pair that the crawler's
event loop reads and writes itself: pages go out and items come back as
length-prefixed pickles, in order. No thread is involved. A pool built on
``concurrent.futures`` keeps two helper threads in the crawler; every time
the crawler's thread let go of the interpreter lock for a system call (a
socket read, a line written, a state-store query) one of them could take it,
and the crawler waited for it to come back: ~60 µs a call. Without them a
pooled crawl takes ~15% less time (``bench/RESULTS.md``).

A worker that dies mid-page (killed, out of memory, a page that crashes the
parser) is replaced; every page it held is tried once more, these second
attempts one at a time, so that a page that kills every worker it meets fails
alone. It is reported like any article that could not be fetched
(``failed_articles`` in the run report, reason ``extraction worker lost``; the
columns are not marked walked, so the next run tries it again). Nothing is
lost and no crash ends the run.

Workers start with ``forkserver`` (``spawn`` where there is none): never
``fork``, which would copy the crawler's threads and sockets. They ignore
Ctrl-C; the crawler finishes the pages in flight and closes the pool.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import signal
import socket
import struct
from collections import deque
from traceback import format_exc

from scrapy.http import TextResponse

from .extract import extract_article
from .items import ArticleItem

_WORKER_NICENESS = 10
_HEADER = struct.Struct("!Q")  # length of the pickle that follows


class ExtractionWorkerLost(Exception):
    """A worker process died while it held the page, twice."""


class _WorkerDied(Exception):
    """The worker holding a page died; the page may be tried again."""


def _frame(value) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _receive_exactly(sock: socket.socket, size: int) -> bytes | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    while view:
        received = sock.recv_into(view)
        if not received:
            return None
        view = view[received:]
    return bytes(buffer)


def _serve(sock: socket.socket) -> None:
    """A worker: extract each page it is sent, answer in order, until the
    crawler closes its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The crawler's one thread is what every page waits for; a worker only has
    # to keep up on average, so it yields a shared core to the crawler.
    if hasattr(os, "nice"):
        os.nice(_WORKER_NICENESS)
    with sock:
        while True:
            header = _receive_exactly(sock, _HEADER.size)
            if header is None:
                return
            job = _receive_exactly(sock, _HEADER.unpack(header)[0])
            if job is None:
                return
            try:
                answer = (True, _extract_in_worker(*pickle.loads(job)))
            except Exception as error:
                if hasattr(error, "add_note"):  # Python 3.11+
                    # The crawler logs the error it re-raises; this says where.
                    error.add_note(
                        f"in extraction worker {os.getpid()}:\n{format_exc()}"
                    )
                answer = (False, error)
            try:
                reply = _frame(answer)
            except Exception:  # an exception that cannot be pickled
                reply = _frame((False, RuntimeError(repr(answer[1]))))
            sock.sendall(reply)


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


def _context():
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The fork server imports the extractor once, not the crawl's main
        # module; each worker starts as a copy of it, at once.
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


class _Worker:
    """One worker process and the crawler's end of its socket."""

    def __init__(self, context, on_death):
        ours, theirs = socket.socketpair()
        self.process = context.Process(
            target=_serve, args=(theirs,), name="lianzhou-extract", daemon=True
        )
        try:
            self.process.start()
        finally:
            theirs.close()
        ours.setblocking(False)
        self.sock = ours
        #: Futures of the pages sent, in the order the answers will come.
        self.pending: deque[asyncio.Future] = deque()
        self.alive = True
        self._on_death = on_death
        self._loop: asyncio.AbstractEventLoop | None = None
        self._received = bytearray()
        self._unsent = bytearray()

    def send(self, loop: asyncio.AbstractEventLoop, data: bytes) -> asyncio.Future:
        """Queue a framed page; the future gets the item, the page's exception
        or ``_WorkerDied``."""
        if self._loop is not loop:
            self._watch(loop)
        future = loop.create_future()
        self.pending.append(future)
        if self._unsent:
            self._unsent += data
            return future
        try:
            sent = self.sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:
            self.died()
            return future
        if sent < len(data):
            self._unsent += memoryview(data)[sent:]
            loop.add_writer(self.sock, self._write_more)
        return future

    def _watch(self, loop) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self.sock)
        self._loop = loop
        loop.add_reader(self.sock, self._read)

    def _write_more(self) -> None:
        try:
            sent = self.sock.send(self._unsent)
        except BlockingIOError:
            return
        except OSError:
            self.died()
            return
        del self._unsent[:sent]
        if not self._unsent:
            self._loop.remove_writer(self.sock)

    def _read(self) -> None:
        try:
            data = self.sock.recv(1 << 20)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.died()
            return
        received = self._received
        received += data
        start = 0
        while len(received) - start >= _HEADER.size:
            (size,) = _HEADER.unpack_from(received, start)
            end = start + _HEADER.size + size
            if len(received) < end:
                break
            answer = memoryview(received)[start + _HEADER.size : end]
            try:
                ok, value = pickle.loads(answer)
            except Exception as error:
                ok, value = False, error
            finally:
                answer.release()
            start = end
            future = self.pending.popleft()
            if future.done():  # its caller was cancelled
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        del received[:start]

    def died(self) -> None:
        """The worker is gone: every page it held fails with ``_WorkerDied``."""
        if not self.alive:
            return
        self._disconnect()
        self._on_death()
        while self.pending:
            future = self.pending.popleft()
            if not future.done():
                future.set_exception(_WorkerDied())

    def _disconnect(self) -> None:
        self.alive = False
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self.sock)
            if self._unsent:
                self._loop.remove_writer(self.sock)
        self.sock.close()  # a live worker reads the end of its input and exits

    def close(self, timeout: float) -> None:
        if self.alive:
            self._disconnect()
            for future in self.pending:
                future.cancel()
            self.pending.clear()
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class ExtractionPool:
    """``await pool.extract(response, **kwargs)`` is ``extract_article`` in a worker."""

    def __init__(self, processes: int):
        if processes < 1:
            raise ValueError(
                f"an extraction pool needs 1 or more processes, not {processes}"
            )
        self.processes = processes
        self._workers: list[_Worker] = []
        self._context = None
        #: Workers that died (each is replaced when the next page comes).
        self.restarts = 0
        self._retrying = asyncio.Lock()

    def _worker_died(self) -> None:
        self.restarts += 1

    def start(self) -> None:
        """Start the workers now, so that they are ready when the first article
        page arrives (the listing pages come first)."""
        self._live_workers()

    def _live_workers(self) -> list[_Worker]:
        for worker in [w for w in self._workers if not w.alive]:
            self._workers.remove(worker)
            worker.close(timeout=1)
        if self._context is None:
            self._context = _context()
        while len(self._workers) < self.processes:
            self._workers.append(_Worker(self._context, self._worker_died))
        return self._workers

    async def extract(self, response: TextResponse, **kwargs) -> ArticleItem:
        page = _frame(
            (
                type(response),
                response.url,
                response.status,
                dict(response.headers),
                response.body,
                kwargs,
            )
        )
        try:
            return await self._attempt(page)
        except _WorkerDied:
            pass
        # Second attempts go one at a time: a page that kills every worker it
        # meets then takes no other page's last chance down with it.
        async with self._retrying:
            try:
                return await self._attempt(page)
            except _WorkerDied:
                raise ExtractionWorkerLost(
                    f"extraction worker lost twice on {response.url}"
                ) from None

    def _attempt(self, page: bytes) -> asyncio.Future:
        worker = min(self._live_workers(), key=lambda w: len(w.pending))
        return worker.send(asyncio.get_running_loop(), page)

    def close(self) -> None:
        for worker in self._workers:
            worker.close(timeout=5)
        self._workers.clear()
