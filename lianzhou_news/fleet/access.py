"""How the fleet's Scrapy components reach this worker's ``Fleet``: one function.

The queue, the scheduler, the extension and the state store ask
``membership_of(crawler)`` and nothing else, so that where the ``Fleet`` lives
(today on the spider, ``spider.fleet``) is decided here only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import Fleet


def membership_of(crawler) -> Fleet | None:
    """This crawler's fleet membership, or None (single-machine mode, or before
    the spider has joined)."""
    return getattr(crawler.spider, "fleet", None)
