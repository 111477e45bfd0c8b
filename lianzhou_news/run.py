"""The run context: one crawl's id, paths, state store, fleet membership, walked
columns and extraction pool, built once per crawler and reached through it.

Components never read each other's state off the spider. The spider's
``from_crawler`` opens the run (``RunContext.open``) with the arguments it was
given; every pipeline, extension and monitor asks for it in its own
``from_crawler`` with ``RunContext.of(crawler)``. A component built for a
crawler whose spider opened no run (a component test with a plain spider)
gets a run made from the settings alone.

What it owns, and when:

* at open: the run id (``-a run_id``, ``job-<JOBDIR>``, the fleet's, or a new
  one), the check that no earlier run's file is overwritten, the state store
  (``StateStore`` under ``LIANZHOU_STATE_DIR``, locked for the run, earlier
  interrupted runs reconciled), or with ``REDIS_URL`` the fleet membership and
  its ``RedisStateStore``; the extraction pool when ``LIANZHOU_EXTRACT_PROCESSES``
  asks for one;
* during the run: the columns whose last listing page was read, the article
  ids each column's pages listed (a walk that brings nothing new stops), article
  failures, and whether a feed line failed to be written;
* at the end (``finish``, called by ``extensions.StateRecorder`` after the feed
  is closed): columns marked walked when the run finished cleanly, the store
  closed; at spider close, the extraction pool stopped.

redis and scrapy-redis are imported only when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import weakref
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import signals

from .conditional import Revalidation
from .extractpool import ExtractionPool
from .state import StateStore, new_run_id

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger(__name__)

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

#: What a run id (and a fleet worker's name) may be: it names files. A full
#: match, so a trailing newline is refused too.
RUN_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class _RunPlaceholders(dict):
    def __missing__(self, key):
        return f"%({key})s"


def configure_settings(settings: Settings) -> None:
    """Settings a run needs before the crawler freezes them (a spider's
    ``update_settings`` calls this, after ``-o``/``-O`` have set FEEDS)."""
    distributed = bool(settings.get("REDIS_URL"))
    if distributed:
        # scrapy-redis holds the queue and the duplicate filter; the fleet
        # package adds claims, so that a dead worker's requests come back.
        for name, value in {
            "SCHEDULER": "lianzhou_news.fleet.FleetScheduler",
            "SCHEDULER_QUEUE_CLASS": "lianzhou_news.fleet.ClaimingQueue",
            "SCHEDULER_PERSIST": True,
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            # JSON, not scrapy-redis's default pickle: unpickling what a
            # shared Redis holds would let anyone who can write to it run code.
            "SCHEDULER_SERIALIZER": "lianzhou_news.requestcodec",
        }.items():
            settings.set(name, value, priority="spider")
        # Added here, not in settings.py, so that a single-machine crawl never
        # imports the fleet package (and with it redis and scrapy-redis).
        for name, component, order in (
            ("EXTENSIONS", "lianzhou_news.fleet.FleetExtension", 515),
            # Remembers each article's request for its reservation. Low, so it
            # sees the item objects the pipelines get.
            ("SPIDER_MIDDLEWARES", "lianzhou_news.fleet.ArticleSources", 40),
        ):
            components = settings.getdict(name)
            components[component] = order
            # "spider", as above: Scrapy re-applies the process's own settings
            # over a crawler's at their priorities when the crawl starts.
            settings.set(name, components, priority="spider")
    if settings.get("LIANZHOU_SIMPLIFIED", "off") == "off":
        # Off by default: left out here, so that a healthy run logs no
        # "Disabled ...: LIANZHOU_SIMPLIFIED is off" WARNING (its NotConfigured).
        pipelines = settings.getdict("ITEM_PIPELINES")
        for name in list(pipelines):
            if name.endswith(".SimplifiedScriptPipeline"):
                pipelines[name] = None
        settings.set("ITEM_PIPELINES", pipelines, priority="spider")
    uri = settings.get("LIANZHOU_OUTPUT_URI")
    if uri and not settings.getdict("FEEDS"):
        # A JOBDIR job, or a fleet worker, appends when resumed (restarted);
        # a plain run starts its own file.
        overwrite = not settings.get("JOBDIR") and not distributed
        # store_empty off: a run that finds nothing new leaves no empty file
        # (a -o/-O feed the operator named is always written, as in Scrapy).
        feed = {
            "format": "jsonlines",
            "encoding": "utf8",
            "overwrite": overwrite,
            "store_empty": False,
        }
        settings.set("FEEDS", {uri: feed}, priority="spider")


def feed_uri_params(params: dict, spider) -> dict:
    """``FEED_URI_PARAMS``: ``%(run_id)s`` in a feed URI is this run's id."""
    return {**params, "run_id": RunContext.of(spider.crawler).run_id}


#: crawler -> its run: one per crawler, gone with it.
_RUNS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class FeedWrites:
    """Whether a feed line failed to be written since the last item asked.

    The durable feed storage (``feedstorage.py``) reports each failed write or
    sync here; ``extensions.StateRecorder`` asks after each item whether its
    line may be missing, and then does not record the article."""

    def __init__(self):
        self._failed = 0

    def failed(self) -> None:
        self._failed += 1  # may be called from the sync thread: one int store

    def take_failure(self) -> bool:
        """True if a write failed since the last call."""
        failed, self._failed = self._failed, 0
        return bool(failed)


class RunContext:
    """One crawl run's identity and shared services (see the module docstring)."""

    def __init__(self, crawler: Crawler, run_id: str | None = None):
        settings = crawler.settings
        if settings.get("TWISTED_REACTOR") != ASYNCIO_REACTOR:
            # The feed's background sync and the extraction workers report
            # back through asyncio.
            raise ValueError(
                f"TWISTED_REACTOR: lianzhou_news needs Scrapy's default {ASYNCIO_REACTOR}"
            )
        if run_id is not None and not RUN_ID_RE.fullmatch(run_id):
            # It names files: no slashes, no dots at the start, nothing exotic.
            raise ValueError(f"run_id: {run_id!r} must match {RUN_ID_RE.pattern}")
        self.crawler = crawler
        self.spider_name: str = crawler.spidercls.name
        self.run_id: str = run_id or ""
        #: Columns whose last listing page this run reached.
        self.walked_columns: set[str] = set()
        #: Article ids listed so far in this run, by column (``listed_in_column``).
        self.listed: dict[str, set[str]] = {}
        #: The cross-run state (``state.StateStore`` or the fleet's
        #: ``RedisStateStore``), or None when ``LIANZHOU_STATE_DIR`` is "".
        self.store = None
        #: This worker's fleet membership (``REDIS_URL``), or None.
        self.fleet = None
        #: This run's article failures (listing URL -> reason) and the article
        #: URLs it downloaded: carried across runs by the store at the end.
        self.failed_articles: dict[str, str] = {}
        self.fetched_articles: set[str] = set()
        crawler.signals.connect(
            self._response_received, signal=signals.response_received
        )
        #: Failed feed writes, reported by the durable feed storage.
        self.feed_writes = FeedWrites()
        #: Validators waiting for their article, and saved listings (304s).
        self.revalidation = Revalidation(self)
        #: Worker processes extracting articles, or None: in the crawler's thread.
        self.extraction: ExtractionPool | None = _extraction_pool(settings)
        if self.extraction is not None:
            crawler.signals.connect(self.extraction.start, signal=signals.spider_opened)
            crawler.signals.connect(self._close_pool, signal=signals.spider_closed)
        if settings.get("REDIS_URL"):
            self._join_fleet(settings)
        else:
            self._open_store(settings)

    # --- getting the run --------------------------------------------------------

    @classmethod
    def open(cls, crawler: Crawler, run_id: str | None = None) -> RunContext:
        """Open this crawler's run (the spider's ``from_crawler`` does, once)."""
        if crawler in _RUNS:
            raise RuntimeError("this crawler's run is open already")
        run = _RUNS[crawler] = cls(crawler, run_id)
        return run

    @classmethod
    def current(cls, crawler: Crawler) -> RunContext | None:
        """This crawler's run if one was opened, else None (never opens one)."""
        return _RUNS.get(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> RunContext:
        """This crawler's run; opened from the settings alone if no spider did."""
        run = _RUNS.get(crawler)
        return run if run is not None else cls.open(crawler)

    # --- paths --------------------------------------------------------------------

    def path(self, uri: str) -> str:
        """A path setting with this run's ``%(name)s`` and ``%(run_id)s`` filled in
        (other placeholders, such as Scrapy's ``%(time)s``, are left as written)."""
        return str(uri) % _RunPlaceholders(name=self.spider_name, run_id=self.run_id)

    @property
    def outputs(self) -> list[str]:
        """The run's feed files, as paths."""
        return [self.path(uri) for uri in self.crawler.settings.getdict("FEEDS")]

    # --- during the run -------------------------------------------------------------

    def column_walked(self, column: str) -> None:
        """The last listing page of ``column`` was read in this run."""
        self.walked_columns.add(column)
        if self.fleet is not None and not self.fleet.unavailable:
            # Fleet-wide: whichever worker ends the run marks it walked.
            self.fleet.note_walked([column])

    def listed_in_column(self, column: str, article_ids: list[str]) -> int:
        """A listing page of ``column`` lists ``article_ids``: how many of them
        no earlier page of it listed in this run (per worker in a fleet)."""
        listed = self.listed.setdefault(column, set())
        before = len(listed)
        listed.update(article_ids)
        return len(listed) - before

    def article_failed(self, url: str | None = None, reason: str | None = None) -> None:
        """An article could not be fetched or extracted in this run."""
        if url is not None:
            self.failed_articles[url] = reason or "failed"
        if self.fleet is not None and not self.fleet.unavailable:
            self.fleet.note_failure()

    def _response_received(self, response, request, spider=None) -> None:
        if (
            request.meta.get("lianzhou_kind") == "article"
            and 200 <= response.status < 300
        ):
            self.fetched_articles.add(
                article_key((request.meta.get("redirect_urls") or [request.url])[0])
            )

    def is_gone(self, url: str) -> bool:
        """The article at ``url`` was recorded as deleted (404/410 run after run)."""
        store = self.store
        return bool(
            store is not None
            and hasattr(store, "is_gone")
            and store.is_gone(article_key(url))
        )

    def _carry_failures(self, store) -> None:
        """Article failures across runs (``StateStore.note_failures``), and the
        number of articles this run covered, into the stats the monitors judge."""
        stats = self.crawler.stats
        failed = self.failed_articles
        # The articles this run covered: those it tried, and those its listings
        # showed as known (so that an incremental run retrying one broken
        # article is not judged on that article alone).
        urls = {article_key(url): url for url in failed}
        keyed = {article_key(url): reason for url, reason in failed.items()}
        attempted = len(self.fetched_articles | set(keyed))
        covered = attempted + stats.get_value("lianzhou/article/skipped_known", 0)
        stats.set_value("lianzhou/article/covered", covered)
        if not hasattr(store, "note_failures"):
            return  # the fleet's store keeps no failure history
        runs = self.crawler.settings.getint("LIANZHOU_LOST_AFTER_RUNS")
        lost, gone = store.note_failures(
            keyed, self.fetched_articles, self.run_id, runs
        )
        for entry in lost + gone:
            entry["url"] = urls[entry["url"]]  # named by this run's URL
        if lost:
            stats.set_value("lianzhou/article/lost_urls", lost)
        if gone:
            stats.set_value("lianzhou/article/gone_urls", gone)

    def state_unwritable(self, error: Exception) -> None:
        """The state store failed to record an article whose line is written."""
        stats = self.crawler.stats
        if not stats.get_value("lianzhou/state/record_failed"):
            logger.error(
                "the state could not record an article (%s); this run is left "
                "open, so the next run records the lines of its file first",
                error,
            )
        stats.inc_value("lianzhou/state/record_failed")

    def finish(self, reason: str) -> None:
        """The run ended (after the feeds were closed): columns walked to their
        end are marked, unless an article failed (later incremental runs stop
        at known articles, so they would never reach it); the store is closed."""
        store = self.store
        if store is None:
            return
        stats = self.crawler.stats
        failed = stats.get_value("lianzhou/article/failed", 0)
        # An article whose line went unwritten is not recorded either: the
        # column must be walked again for the next run to fetch it.
        not_written = stats.get_value("lianzhou/items/not_written", 0)
        # Lines written but not recorded: the run stays open, so that the next
        # run records its file's lines first (StateStore.open_run).
        unrecorded = stats.get_value("lianzhou/state/record_failed", 0)
        clean = reason == "finished" and not (failed or not_written or unrecorded)
        try:
            self._carry_failures(store)
        except sqlite3.Error as error:
            logger.error("the state could not carry this run's failures: %s", error)
        try:
            store.finish_run(
                self.run_id, self.walked_columns, clean, settled=not unrecorded
            )
        except sqlite3.Error as error:
            logger.error("the state could not close this run: %s", error)

    def abandon(self) -> None:
        """The crawl could not start after its run was opened (a bad setting
        that only a component's constructor checks): the run is closed in the
        state if it wrote nothing, so that the next run has nothing to
        reconcile (and logs no warning for it), and the store is unlocked."""
        store = self.store
        if store is None or self.fleet is not None:
            return
        try:
            if not any(Path(path).exists() for path in self.outputs):
                store.close_run(self.run_id)
        finally:
            store.close()
            self.store = None

    # --- opening ----------------------------------------------------------------------

    def _open_store(self, settings) -> None:
        jobdir = settings.get("JOBDIR")
        if not self.run_id:
            self.run_id = f"job-{Path(jobdir).name}" if jobdir else new_run_id()
        if not jobdir:
            # Feeds overwrite; an earlier run's items must never be lost to a
            # reused id. Its report counts too: a run with nothing new leaves
            # no items file, only its report.
            for name in ("LIANZHOU_OUTPUT_URI", "LIANZHOU_REPORT_URI"):
                uri = settings.get(name)
                if uri and "://" not in uri and Path(self.path(uri)).exists():
                    raise ValueError(
                        f"{self.path(uri)} exists already: choose another -a run_id"
                    )
        state_dir = settings.get("LIANZHOU_STATE_DIR")
        if state_dir:
            self.store = StateStore(state_dir, self.spider_name)  # raises StateLocked
            for note in self.store.open_run(self.run_id, self.outputs):
                logger.warning("reconciled an interrupted run: %s", note)

    def _join_fleet(self, settings) -> None:
        """Distributed mode: join the fleet run in Redis (``lianzhou_news.fleet``)."""
        if settings.get("JOBDIR"):
            raise ValueError(
                "JOBDIR and REDIS_URL exclude each other: a fleet's queue is in Redis"
            )
        from .fleet import Fleet, RedisStateStore  # imports redis: distributed only

        fleet = self.fleet = Fleet.connect(settings, self.spider_name)
        fleet.join(
            settings.get("LIANZHOU_WORKER"),
            settings.get("LIANZHOU_STATE_DIR") or "state",
            self.run_id or None,
        )
        self.run_id = f"{fleet.run}.{fleet.worker}"
        if not RUN_ID_RE.fullmatch(self.run_id):
            raise ValueError(
                f"worker {fleet.worker!r}: names files, so it must match "
                f"{RUN_ID_RE.pattern}"
            )
        fleet.register_outputs(self.outputs)
        self.store = RedisStateStore(fleet, self.crawler)
        settled = fleet.recover()
        if any(settled.values()):
            logger.warning(
                "fleet: settled what an earlier %s left: %d request(s) queued again, "
                "%d article(s) recorded from its file, %d queued to fetch again",
                fleet.worker,
                settled["requeued"],
                settled["recorded"],
                settled["released"],
            )
        logger.info(
            "fleet: worker %s in run %s of %s",
            fleet.worker,
            fleet.run,
            settings.get("REDIS_URL"),
        )

    def _close_pool(self) -> None:
        restarts = self.extraction.restarts
        self.extraction.close()
        if restarts:
            self.crawler.stats.set_value("lianzhou/extraction/pool_restarts", restarts)


def article_key(url: str) -> str:
    """What identifies an article across runs before it is extracted: its URL's
    path (the same when the site moves to another host or port).

    >>> article_key("http://127.0.0.1:8000/zwgk/lzyw/content/post_1.html")
    '/zwgk/lzyw/content/post_1.html'
    """
    return urlsplit(url).path


def _extraction_pool(settings) -> ExtractionPool | None:
    """``LIANZHOU_EXTRACT_PROCESSES`` > 0: extract in worker processes."""
    value = settings.get("LIANZHOU_EXTRACT_PROCESSES", 0)
    try:
        processes = int(value)
    except (TypeError, ValueError):
        processes = -1
    if processes < 0:
        raise ValueError(
            f"LIANZHOU_EXTRACT_PROCESSES: expected 0 (extract in the crawler) "
            f"or a number of worker processes, got {value!r}"
        )
    return ExtractionPool(processes) if processes else None
