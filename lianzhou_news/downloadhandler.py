"""Scrapy's HTTP/1.1 download handler, with each response's headers bounded in size and count.

Twisted's HTTP client bounds one header line (16 KiB, ``LineReceiver``) but
neither the number of lines nor their total: a server that sends headers
without end fills memory (3.9 GB in issue 15) until ``DOWNLOAD_TIMEOUT``.
Scrapy 2.19 has no setting for it; its aiohttp handler (aiohttp's 128 headers,
8 KiB a line) is experimental and not configurable. So this handler is
Scrapy's ``HTTP11DownloadHandler`` whose connections count what arrives before
the body: past ``LIANZHOU_MAX_HEADER_BYTES`` bytes or ``LIANZHOU_MAX_HEADER_LINES``
lines (folded lines included) the connection is dropped and the request
fails with ``HeadersTooLarge``, named ``headers too large`` in the run report.

This module is the one place that touches Twisted's private HTTP client
(``_newclient``: a protocol's ``_parser`` and ``_giveUp``, the pool's
``_factory``); ``tests/test_hostile.py::test_case5_…`` fails loudly if an
upgrade moves them.
"""

from __future__ import annotations

import re

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from twisted.python.failure import Failure
from twisted.web import _newclient

#: Parser states before the body (Twisted's names).
_HEAD_STATES = (_newclient.STATUS, _newclient.HEADER)
#: The blank line that ends a response's head.
_HEAD_END = re.compile(rb"\n\r?\n")


class HeadersTooLarge(Exception):
    """A response's headers went past the bounds (``LIANZHOU_MAX_HEADER_*``)."""


class BoundedHeadersDownloadHandler(HTTP11DownloadHandler):
    """``HTTP11DownloadHandler`` with bounded response headers (module docstring)."""

    def __init__(self, crawler):
        super().__init__(crawler)
        settings = crawler.settings
        max_bytes = settings.getint("LIANZHOU_MAX_HEADER_BYTES")
        max_lines = settings.getint("LIANZHOU_MAX_HEADER_LINES")
        stats = crawler.stats
        base = self._pool._factory

        class BoundedFactory(base):
            def buildProtocol(self, addr):
                protocol = super().buildProtocol(addr)
                _bound(protocol, max_bytes, max_lines, stats)
                return protocol

        self._pool._factory = BoundedFactory


def _bound(protocol, max_bytes: int, max_lines: int, stats) -> None:
    """Make ``protocol`` give up on a response whose head passes the bounds,
    checked on the data before the parser sees it."""
    receive = protocol.dataReceived
    head = {"parser": None, "bytes": 0, "lines": 0, "tail": b"", "gave_up": False}

    def dataReceived(data: bytes) -> None:
        if head["gave_up"]:
            return  # what still arrives before the connection closes
        parser = protocol._parser
        if parser is None or parser.state not in _HEAD_STATES:
            receive(data)
            return
        if parser is not head["parser"]:  # a new response on a kept-alive connection
            head.update(parser=parser, bytes=0, lines=0, tail=b"")
        # Only what comes before the blank line that ends the head counts.
        tail = head["tail"]
        end = _HEAD_END.search(tail + data)
        part = data if end is None else data[: max(0, end.end() - len(tail))]
        head["bytes"] += len(part)
        head["lines"] += part.count(b"\n")
        head["tail"] = (tail + part)[-3:]
        if head["bytes"] > max_bytes or head["lines"] > max_lines:
            stats.inc_value("lianzhou/errors/headers_too_large")
            head["gave_up"] = True
            protocol._giveUp(
                Failure(
                    HeadersTooLarge(
                        f"response headers past {max_bytes} bytes or {max_lines} lines"
                    )
                )
            )
            return
        receive(data)

    protocol.dataReceived = dataReceived
