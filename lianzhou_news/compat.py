"""Every private name of another library this project uses, behind one function each.

Scrapy, scrapy-redis and spidermon give no public way to do these; each
function names what it reaches into and fails with a message naming the
library and the versions it was tested with when that is gone.
``tests/test_compat.py`` exercises each against the installed library, so an
upgrade that removes one fails there first; pyproject.toml pins the tested
ranges.
"""

from __future__ import annotations

SCRAPY_TESTED = "Scrapy 2.13 to 2.19"
SPIDERMON_TESTED = "spidermon 1.20 to 1.27"


def _engine_slot(crawler):
    """``ExecutionEngine._slot``: None before the engine runs or once it closed it."""
    engine = crawler.engine
    if engine is None:
        return None
    if not hasattr(engine, "_slot"):
        raise RuntimeError(
            "distributed mode needs Scrapy's engine slot (ExecutionEngine._slot, "
            f"{SCRAPY_TESTED}); this Scrapy does not have it"
        )
    return engine._slot


def engine_in_progress(crawler) -> set:
    """The requests Scrapy's engine has not finished with (downloading, or their
    callback's output still being processed): ``_slot.inprogress``."""
    slot = _engine_slot(crawler)
    if slot is None:  # the engine has closed its slot: nothing is in progress
        return set()
    requests = getattr(slot, "inprogress", None)
    if requests is None:
        raise RuntimeError(
            "distributed mode needs Scrapy's engine slot (ExecutionEngine._slot."
            f"inprogress, {SCRAPY_TESTED}); this Scrapy does not have it"
        )
    return requests


def wake_engine(crawler) -> None:
    """Have the engine look for the next request now, not at its own 5-second
    heartbeat (``_slot.nextcall.schedule()``), unless it is closing."""
    slot = _engine_slot(crawler)
    if slot is None:
        return
    try:
        closing, nextcall = slot.closing, slot.nextcall
    except AttributeError:
        raise RuntimeError(
            "distributed mode needs Scrapy's engine slot (ExecutionEngine._slot."
            f"closing and .nextcall, {SCRAPY_TESTED}); this Scrapy does not have it"
        ) from None
    if closing is None:
        nextcall.schedule()


def coverage_skip_values(extension, settings) -> list:
    """The field values spidermon's field coverage does not count (by default
    ``""``, ``[]``, ``{}``, ``"N/A"``, ``"-"``), as its extension reads them from
    ``SPIDERMON_FIELD_COVERAGE_SKIP_VALUES``: ``Spidermon._get_skip_values_list``."""
    read = getattr(extension, "_get_skip_values_list", None)
    if read is None:
        raise RuntimeError(
            "lianzhou_news.monitors.Spidermon needs spidermon's "
            f"Spidermon._get_skip_values_list ({SPIDERMON_TESTED}); this spidermon "
            "does not have it"
        )
    return read(settings)


def spidermon_suite_data(extension, spider) -> dict:
    """What spidermon's extension hands its monitors (stats, crawler, job …):
    ``Spidermon._generate_data_for_spider``, so that ``monitors.Spidermon`` can
    run its suites with a quieter runner."""
    generate = getattr(extension, "_generate_data_for_spider", None)
    if generate is None:
        raise RuntimeError(
            "lianzhou_news.monitors.Spidermon needs spidermon's "
            f"Spidermon._generate_data_for_spider ({SPIDERMON_TESTED}); this "
            "spidermon does not have it"
        )
    return generate(spider)
