"""The run report: what a run did, and its health verdict, written next to its output.

``WriteRunReport`` is a spidermon action (the last of ``RunHealthSuite``, so it
sees every monitor's outcome): it writes ``output/<spider>/<run-id>.report.json``
from ``build_report`` and records the verdict in the stats, where the ``crawl``
command reads it for its exit status.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path

from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from spidermon.core.actions import Action

from .items import FIELD_ORDER
from .run import RunContext

logger = logging.getLogger(__name__)


class WriteRunReport(Action):
    """Write the run report next to the run's output, with the health verdict."""

    def run_action(self):
        crawler = self.data.crawler
        run = RunContext.of(crawler)
        stats = crawler.stats.get_stats()
        failures = [
            f"{result.monitor.name}: {_reason(result)}"
            for result in self.result.monitors_failed_results
        ]
        report = build_report(
            stats, run.spider_name, run.run_id, failures, items_files=run.outputs
        )
        name = run.spider_name
        uri = crawler.settings.get("LIANZHOU_REPORT_URI")
        if uri:
            path = Path(run.path(uri))
            try:
                write_whole(path, json.dumps(report, ensure_ascii=False, indent=2))
            except OSError as error:
                # The crawl command exits 4: no report, no verdict anyone can read.
                logger.error(
                    "%s: the run report could not be written to %s: %s",
                    name,
                    path,
                    error,
                )
            else:
                crawler.stats.set_value("lianzhou/report_written", True)
                logger.info(
                    "%s: run report written to %s (healthy: %s)",
                    name,
                    path,
                    report["healthy"],
                )
        crawler.stats.set_value("lianzhou/healthy", report["healthy"])
        for reason in report["unhealthy_reasons"]:
            logger.error("%s: unhealthy run: %s", name, reason)


def write_whole(path: Path, text: str) -> None:
    """Write ``text`` and a newline to ``path`` whole or not at all: into a
    temporary file beside it, fsynced, then renamed over it (a full disk leaves
    the old file or none, never a 0-byte or half report)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise


# unittest's own words before a monitor's message ("True is not false : …",
# "3 != 0 : …", "12 not less than or equal to 10 : …"): a monitor is a
# TestCase, and its msg is what says what went wrong.
_UNITTEST_PREFIX = re.compile(
    r"^(?:.{0,200}? (?:is not (?:true|false)|!=|==|not (?:less|greater) than"
    r"(?: or equal to)?|not found in|unexpectedly found in)\b.{0,200}?) : ",
    flags=re.IGNORECASE,
)


def _reason(result) -> str:
    r"""A failed monitor's reason in plain words: its message, without the
    traceback or unittest's comparison in front of it.

    >>> class Failed:
    ...     reason = None
    ...     error = "Traceback ...\nAssertionError: True is not false : blocked: 2 response(s)"
    >>> _reason(Failed())
    'blocked: 2 response(s)'
    >>> Failed.error = "AssertionError: 12 not less than or equal to 10 : Expecting 'log_count/ERROR'"
    >>> _reason(Failed())
    "Expecting 'log_count/ERROR'"
    """
    text = (result.error or result.reason or "").strip()
    # The assertion's message follows the exception's name at the end of
    # unittest's traceback; spidermon's field coverage message spans lines.
    message = re.split(r"^\w+(?:Error|Exception): ", text, flags=re.MULTILINE)[-1]
    message = " ".join(message.split())
    return _UNITTEST_PREFIX.sub("", message, count=1) or "failed"


def _sum(stats: dict, prefix: str) -> int:
    return sum(
        v for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int)
    )


def build_report(
    stats: dict,
    spider: str,
    run_id: str,
    failures: list[str],
    items_files: list[str] = (),
) -> dict:
    """The run report. ``items_file``: the run's file of articles, or null when
    the run wrote none (nothing new: no empty file is left behind)."""
    started, finished = stats.get("start_time"), stats.get("finish_time")
    emitted = stats.get("item_scraped_count", 0)
    coverage = {}
    for name in FIELD_ORDER:
        present = stats.get(f"spidermon_item_scraped_count/ArticleItem/{name}", 0)
        coverage[name] = round(present / emitted, 4) if emitted else None
    statuses = {
        k.rsplit("/", 1)[-1]: v
        for k, v in stats.items()
        if k.startswith("downloader/response_status_count/")
    }
    exceptions = {
        k.rsplit("/", 1)[-1]: v
        for k, v in stats.items()
        if k.startswith("downloader/exception_type_count/")
    }
    errors = {
        "timeout": sum(v for k, v in exceptions.items() if "Timeout" in k),
        "dns": sum(
            v for k, v in exceptions.items() if "DNS" in k or "CannotResolveHost" in k
        ),
        "connection": sum(
            v
            for k, v in exceptions.items()
            if "Connection" in k or "ResponseNeverReceived" in k
        ),
        "4xx": sum(v for k, v in statuses.items() if k.startswith("4")),
        "5xx": sum(v for k, v in statuses.items() if k.startswith("5")),
        "blocked": stats.get("lianzhou/errors/blocked", 0),
        "truncated": stats.get("lianzhou/errors/truncated", 0),
        "oversize": stats.get("lianzhou/article/failed/oversize", 0),
        "redirect_loop": stats.get("lianzhou/article/failed/redirect loop", 0),
        "too_many_redirects": stats.get(
            "lianzhou/article/failed/too many redirects", 0
        ),
        "off_host_redirect": stats.get("lianzhou/errors/off_host_redirect", 0),
        "headers_too_large": stats.get("lianzhou/errors/headers_too_large", 0),
        # Raised out of a callback, or caught there and named (a page the
        # extractor could not read).
        "parse": _sum(stats, "spider_exceptions/")
        + stats.get("lianzhou/errors/parse", 0),
    }
    return {
        "run_id": run_id,
        "spider": spider,
        "started_at": _iso(started),
        "finished_at": _iso(finished),
        "duration_seconds": round((finished - started).total_seconds(), 3)
        if started and finished
        else None,
        "finish_reason": stats.get("finish_reason"),
        "healthy": not failures,
        "unhealthy_reasons": failures,
        "requests": {
            "listing": stats.get("lianzhou/requests/listing", 0),
            "article": stats.get("lianzhou/requests/article", 0),
            "discovery": stats.get("lianzhou/requests/discovery", 0),
            "other": stats.get("lianzhou/requests/other", 0),
        },
        "responses_by_status": statuses,
        "items_file": next(
            (path for path in items_files if emitted and Path(path).exists()), None
        ),
        # Conditional refetches (``conditional``): validators sent, pages that
        # answered 304 Not Modified (by kind), 304s nobody asked for (counted
        # as failures too), and bytes received.
        "conditional": {
            "sent": stats.get("lianzhou/conditional/sent", 0),
            "not_modified": stats.get("lianzhou/conditional/not_modified", 0),
            "not_modified_listing": stats.get(
                "lianzhou/conditional/not_modified/listing", 0
            ),
            "not_modified_article": stats.get(
                "lianzhou/conditional/not_modified/article", 0
            ),
            "unasked_304": stats.get("lianzhou/conditional/unasked_304", 0),
            # Revisited listing pages followed from their saved links, unasked,
            # after the page before answered 304.
            "listing_replayed": stats.get("lianzhou/conditional/replayed/listing", 0),
            "bytes_received": stats.get("downloader/response_bytes", 0),
            "bytes_listing": stats.get("lianzhou/conditional/bytes/listing", 0),
            "bytes_article": stats.get("lianzhou/conditional/bytes/article", 0),
        },
        "items": {
            "new": stats.get("lianzhou/items/new", 0),
            "updated": stats.get("lianzhou/items/updated", 0),
            "unchanged": stats.get("lianzhou/items/unchanged", 0),
            "dropped": {
                "duplicate": stats.get("lianzhou/items/dropped/duplicate", 0),
                "invalid": stats.get("lianzhou/items/dropped/invalid", 0),
            },
            "not_written": stats.get("lianzhou/items/not_written", 0),
            "rejects_file": stats.get("lianzhou/rejects_file"),
            "known_not_refetched": stats.get("lianzhou/article/skipped_known", 0),
            "not_allowed": stats.get("lianzhou/article/not_allowed", 0),
        },
        "field_coverage": coverage,
        # Items emitted with a field missing or damaged, by flag (``quality``).
        "quality": {
            k[len("lianzhou/quality/") :]: v
            for k, v in sorted(stats.items())
            if k.startswith("lianzhou/quality/")
        },
        "errors": errors,
        "failed_articles": stats.get("lianzhou/article/failed_urls", []),
        "lost_articles": stats.get("lianzhou/article/lost_urls", []),
        "gone_articles": stats.get("lianzhou/article/gone_urls", []),
        "failed_listings": stats.get("lianzhou/listing/failed_urls", []),
        "columns": _columns(stats),
        "discovery": {
            "start_pages": stats.get("lianzhou/discovery/start_pages", 0),
            "candidates": stats.get("lianzhou/discovery/candidates", 0),
            "skipped": stats.get("lianzhou/discovery/skipped_urls", []),
            "nothing_found": stats.get("lianzhou/discovery/nothing_found", []),
            "none_matched": stats.get("lianzhou/discovery/none_matched", []),
        },
        "columns_stopped_early": stats.get("lianzhou/listing/stopped_early_urls", []),
        "blocked_urls": stats.get("lianzhou/blocked_urls", []),
        "fleet": {
            "run": stats.get("lianzhou/fleet/run"),
            "worker": stats.get("lianzhou/fleet/worker"),
            "ended_run": bool(stats.get("lianzhou/fleet/ended_run")),
            "held_by_stopped_workers": stats.get(
                "lianzhou/fleet/held_by_stopped_workers", {}
            ),
        }
        if stats.get("lianzhou/fleet/run")
        else None,
    }


def _columns(stats: dict) -> list[dict]:
    """Each column this run took: its name, URL, how it was found (``start``:
    a start page that is a listing; ``discovered``; ``remembered`` from an
    earlier discovery), and the article links its listing pages read in this
    run listed (an incremental run reads only its newest pages)."""
    return [
        {
            "name": column["name"],
            "url": column["url"],
            "via": column["via"],
            "articles": stats.get(f"lianzhou/column{column['column']}/links", 0),
        }
        for column in stats.get("lianzhou/columns", [])
    ]


def _iso(value) -> str | None:
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- what the spider names in the report -----------------------------------


def name_in_report(stats, key: str, url: str, reason: str, limit: int) -> None:
    """Add ``{url, reason}`` to the stats list the run report shows, up to ``limit``."""
    named = stats.get_value(key) or []
    if len(named) < limit:
        named.append({"url": url, "reason": reason})
        stats.set_value(key, named)


def first_url(request) -> str:
    """The URL a request was first made for: an article's, not a redirect hop's."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _caused_by(failure, name: str) -> bool:
    """``failure`` is, or was caused by, an error named ``name`` (Scrapy 2.19
    wraps Twisted's ``ResponseFailed``, which wraps the cause, in a
    ``DownloadFailedError``)."""
    error, depth = failure.value, 0
    while error is not None and depth < 5:
        if type(error).__name__ == name:
            return True
        for reason in getattr(error, "reasons", None) or []:
            if getattr(reason, "type", type(reason)).__name__ == name:
                return True
        error, depth = error.__cause__ or error.__context__, depth + 1
    return name in failure.getErrorMessage()


def failure_reason(failure) -> str:
    """A short, stable name for why a download failed, for the run report."""
    if failure.check(HttpError):
        return str(failure.value.response.status)
    message = failure.getErrorMessage()
    if failure.check(IgnoreRequest):
        if message.startswith("off-host redirect"):
            return "off-host redirect"  # middlewares.OffHostGuard
        if message.startswith("off-host request"):
            return "off-host request"
        if "robots.txt" in message or "offsite" in message.lower():
            return "not allowed"
        if "max redirections" in message.lower():
            return "too many redirects"  # REDIRECT_MAX_TIMES hops, no loop
        if "redirect" in message:
            return "redirect loop"
        return "ignored"
    if _caused_by(failure, "HeadersTooLarge"):
        return "headers too large"  # downloadhandler.BoundedHeadersDownloadHandler
    name = failure.type.__name__
    if "Timeout" in name or "TimedOut" in name:
        return "timeout"
    # Scrapy 2.19 raises its own classes; older Scrapy (and Twisted) others.
    if "DNS" in name or name == "CannotResolveHostError":
        return "dns"
    if name in ("DownloadConnectionRefusedError", "ConnectionRefusedError"):
        return "connection refused"
    if "Cancelled" in name:
        # Cut by DOWNLOAD_MAXSIZE: announced too big (a message with the size),
        # or grown past it while coming in (a bare cancel). Timeouts and
        # shutdowns have classes of their own.
        return "oversize"
    if name in (
        "ResponseFailed",
        "ConnectionLost",
        "PotentialDataLoss",
        "ConnectionDone",
        "ResponseDataLossError",  # Scrapy 2.19
        "DownloadFailedError",
    ):
        return "connection lost"
    return name
