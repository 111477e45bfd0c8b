"""How the fleet's Scrapy components reach this worker's ``Fleet``: one function.

The queue, the scheduler, the extension and the state store ask
``membership_of(crawler)`` and nothing else, so that where the ``Fleet`` lives
(in the run context, ``lianzhou_news.run``) is decided here only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..run import RunContext

if TYPE_CHECKING:
    from . import Fleet


def membership_of(crawler) -> Fleet | None:
    """This crawler's fleet membership, or None (single-machine mode, or before
    the spider has joined)."""
    run = RunContext.current(crawler)
    return run.fleet if run is not None else None
