"""Item pipelines: script conversion, validation, in-run de-duplication, change tracking.

Extraction never happens here (it is done, purely, in ``extract/``); these
pipelines only judge finished items and keep count in the crawl stats under
the ``lianzhou/`` prefix.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.exceptions import DropItem, NotConfigured

from .feedstorage import DurableLinesFile
from .items import FIELD_ORDER, schema_errors
from .run import RunContext
from .state import content_hash
from .text.script import to_simplified

# Empty by design on a good page: no damage found, no layer to report.
_NOT_COUNTED_AS_MISSING = frozenset({"quality", "provenance"})
_COUNTED_AS_MISSING = tuple(n for n in FIELD_ORDER if n not in _NOT_COUNTED_AS_MISSING)


class ValidationPipeline:
    """Reject items that break the schema, saying which field and why.

    A rejected item is not lost: it goes, with its URL and reasons, to the run's
    rejects file (``LIANZHOU_REJECTS_URI``, next to the output), one JSON object
    per line. A page without a title, a body or a timestamp ends there.

    Also counts, per field, how many emitted items lack a value
    (``lianzhou/field/<name>/missing``), so a template change that silently
    loses a field shows in the stats instead of in an analyst's notebook, and
    every damage flag (``lianzhou/quality/body:mojibake``).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.run = RunContext.of(crawler)
        self._rejects = None

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.close, signal=signals.spider_closed)
        crawler.signals.connect(pipeline.item_scraped, signal=signals.item_scraped)
        return pipeline

    def item_scraped(self, item, response=None, spider=None):
        """Count the missing fields and quality flags of an item that was
        emitted: a duplicate or an unchanged article dropped after validation
        is not in the file, so it is not counted either."""
        for name in _COUNTED_AS_MISSING:
            if item.get(name) in (None, "", [], {}):
                self.stats.inc_value(f"lianzhou/field/{name}/missing")
        for flag in item.get("quality") or ():
            self.stats.inc_value(f"lianzhou/quality/{flag}")

    def process_item(self, item):
        data = dict(item)  # a shallow copy: the values are plain JSON types
        errors = schema_errors(data)
        if errors:
            self.stats.inc_value("lianzhou/items/dropped/invalid")
            self._reject(data, errors)
            raise DropItem(f"rejected {data.get('url')}: {'; '.join(errors)}")
        return item

    def _reject(self, data: dict, errors: list[str]) -> None:
        if self._rejects is None:
            uri = self.crawler.settings.get("LIANZHOU_REJECTS_URI")
            if not uri:
                return
            path = Path(self.run.path(uri))
            path.parent.mkdir(parents=True, exist_ok=True)
            self._rejects = DurableLinesFile(
                str(path), "ab", on_failure=self.run.feed_writes.failed
            )
            self.stats.set_value("lianzhou/rejects_file", str(path))
        line = {"url": data.get("url"), "reasons": errors, "item": data}
        self._rejects.write(
            (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        )

    def close(self, spider):
        if self._rejects is not None:
            self._rejects.close()


class DedupePipeline:
    """Drop a second item with an article id already emitted in this run.

    The platform's post id is the article's identity: the same story listed in
    two columns, or reached through a mirror path, is one article.
    """

    def __init__(self, stats):
        self.stats = stats
        self.first_url: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        article_id = adapter["article_id"]
        if article_id in self.first_url:
            self.stats.inc_value("lianzhou/items/dropped/duplicate")
            raise DropItem(
                f"duplicate article {article_id}: {adapter['url']} "
                f"(already emitted from {self.first_url[article_id]})",
                log_level="INFO",
            )
        self.first_url[article_id] = adapter["url"]
        self.stats.inc_value("lianzhou/items/emitted")
        return item


class SimplifiedScriptPipeline:
    """Opt-in: add (or substitute) a Simplified-script copy of the text fields.

    ``LIANZHOU_SIMPLIFIED`` = ``off`` (default: nothing changes), ``alongside``
    (the item gains ``simplified``: title, source, channel, body and credits
    converted with OpenCC t2s; the originals stay as published) or ``replace``
    (the text fields themselves are converted and ``simplified`` says from
    which script). Items already in Simplified script are left as they are.
    """

    MODES = ("off", "alongside", "replace")

    def __init__(self, mode: str):
        if mode not in self.MODES:
            raise ValueError(
                f"LIANZHOU_SIMPLIFIED must be one of {self.MODES}, not {mode!r}"
            )
        if mode == "off":
            raise NotConfigured("LIANZHOU_SIMPLIFIED is off")
        self.mode = mode

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.get("LIANZHOU_SIMPLIFIED", "off"))

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("lang") != "zh-Hant":
            return item
        converted = {
            name: to_simplified(adapter[name])
            if adapter.get(name)
            else adapter.get(name)
            for name in _CONVERTED_FIELDS
        }
        converted["credits"] = {
            role: [to_simplified(name) for name in names]
            for role, names in (adapter.get("credits") or {}).items()
        }
        if self.mode == "alongside":
            adapter["simplified"] = converted
        else:
            for name, value in converted.items():
                adapter[name] = value
            adapter["simplified"] = {"converted_from": "zh-Hant"}
            adapter["lang"] = "zh-Hans"
        return item


_CONVERTED_FIELDS = ("title", "source", "channel", "body")


def mirror_digest(digest: str) -> str:
    """The digest a mirror's copy is stored under: not the portal copy's.

    >>> mirror_digest("ab" * 32) != "ab" * 32, len(mirror_digest("ab" * 32))
    (True, 64)
    """
    return hashlib.sha256(f"mirror:{digest}".encode()).hexdigest()


class ChangeTrackingPipeline:
    """Across runs: emit only what is new or changed, numbered by version.

    A new article gets ``version: 1, change: "new"``; one whose content hash
    differs from the stored one gets the next version and ``change: "updated"``;
    an unchanged one is dropped (counted as ``lianzhou/items/unchanged``) and only
    its last-seen time moves. Identity is the article id, never the URL. The
    state is written later, by ``extensions.StateRecorder``, once the item's line
    is in the output file, and it asks this pipeline for the hash
    (``take_digest``) instead of hashing the item again.

    The portal's copy of an article replaces a mirror's across runs: a copy
    from one of the spider's ``mirror_paths`` is stored under its own digest
    (``mirror_digest``), so the portal's copy of the same text, fetched in a
    later run, differs from it and comes out as the next version (counted as
    ``lianzhou/items/portal_replaced_mirror``); a mirror's copy of what is
    stored (the portal's, or the same mirror copy) is unchanged.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = RunContext.of(crawler).store
        # article id -> content hash, from reserve() until the recorder takes it.
        self._digests: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def take_digest(self, article_id: str) -> str | None:
        """The content hash this pipeline computed for an emitted article
        (once: the recorder takes it when the article's line is on disk)."""
        return self._digests.pop(article_id, None)

    def process_item(self, item):
        store = self.store
        if store is None:  # state disabled (LIANZHOU_STATE_DIR = "")
            item["version"], item["change"] = None, None
            return item
        stats = self.crawler.stats
        digest = content_hash(item)
        article_id = item["article_id"]
        is_mirror = getattr(self.crawler.spider, "is_mirror_copy", None)
        if is_mirror is not None and is_mirror(item["url"]):
            known = store.known(article_id)
            stored = known.content_hash if known is not None else None
            if stored not in (digest, mirror_digest(digest)):
                digest = mirror_digest(digest)
            else:
                digest = stored  # what is stored says this: unchanged
        elif is_mirror is not None:
            known = store.known(article_id)
            if known is not None and known.content_hash == mirror_digest(digest):
                stats.inc_value("lianzhou/items/portal_replaced_mirror")
        # The SQLite store answers reserved or unchanged; a fleet's Redis store
        # decides for all workers at once, so it may also answer that another
        # worker has the article (see fleet.RedisStateStore.reserve).
        outcome, detail = store.reserve(item, digest)
        if outcome == "unavailable":
            raise DropItem(f"article {article_id} not emitted: Redis is unavailable")
        if outcome == "unchanged":
            # As the state has it: a 304 may stand for this copy next time.
            RunContext.of(self.crawler).revalidation.settled(item["url"])
            stats.inc_value("lianzhou/items/unchanged")
            raise DropItem(f"unchanged article {article_id}", log_level="DEBUG")
        if outcome in ("duplicate", "in_flight"):
            stats.inc_value("lianzhou/items/dropped/duplicate")
            by = (
                f" (being written by worker {detail})" if outcome == "in_flight" else ""
            )
            raise DropItem(
                f"duplicate article {article_id}: {item['url']}{by}", log_level="INFO"
            )
        if outcome == "held":
            stats.inc_value("lianzhou/fleet/held")
            raise DropItem(
                f"article {article_id} is held by stopped worker {detail}: restart it "
                "under the same name to settle it",
                log_level="WARNING",
            )
        item["version"] = detail
        item["change"] = "new" if detail == 1 else "updated"
        self._digests[article_id] = digest
        stats.inc_value(f"lianzhou/items/{item['change']}")
        return item
