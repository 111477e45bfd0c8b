"""Golden cases, labelled real pages and per-field accuracy, shared by the tests and ``bench/``.

A golden case is a saved page (raw bytes), its fetch meta (URL, headers,
fetch time, the listing's channel and date, the spider that crawls it) and the
expected item, reviewed by hand against the page. A case is extracted the way
its spider would: with its ``site_name``, ``selectors``, ``loader_class`` and
``url_scheme``. ``field_accuracy`` scores any extractor's items
against them, field by field, exactly.

A labelled page is a real page of another site (tests/fixtures/gov: government
portals; tests/fixtures/real: news sites) with hand labels of a few fields
only, read off the page. ``labelled_accuracy`` scores those fields
(``LABELLED_FIELDS``) for any extractor, so that ours and the peers in
``bench/compare_peers.py`` are judged by one rule; they are reported apart
from the golden cases, which are pages this project generated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from .extract import extract_article, response_from_file
from .schemes import GENERIC

#: Folders of golden cases under tests/fixtures/: one per spider, plus the
#: template variants of the Lianzhou site.
GOLDEN_DIRS = ("lianzhou", "variants", "lianshan")


@dataclass
class GoldenCase:
    name: str
    page: Path
    meta: dict
    expected: dict

    @property
    def fetched_at(self) -> datetime:
        return datetime.fromisoformat(self.meta["fetched_at"].replace("Z", "+00:00"))

    @property
    def spider(self) -> str:
        """The spider whose site the page is from (meta ``spider``, default ``lianzhou``)."""
        return self.meta.get("spider", "lianzhou")

    def response(self):
        return response_from_file(self.page, self.meta["url"], self.meta.get("headers"))

    def extract(self, **overrides) -> dict:
        """Our extractor on this page, as its spider would call it.

        ``overrides`` replace the spider's extraction options (e.g.
        ``loader_class=ArticleLoader``, to show what a county's loader changes).
        """
        spider = spider_class(self.spider)
        options = {
            "now": self.fetched_at,
            "site": spider.site_name,
            "listing_channel": self.meta.get("listing_channel"),
            "listing_date": self.meta.get("listing_date"),
            "selectors": spider.selectors,
            "loader_class": spider.loader_class,
            "scheme": spider.url_scheme or GENERIC,
        }
        return extract_article(self.response(), **{**options, **overrides})


@cache
def spider_class(name: str):
    """The project's spider class named ``name``, found as ``scrapy crawl`` finds it."""
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    settings = Settings()
    settings.setmodule("lianzhou_news.settings")
    return SpiderLoader.from_settings(settings).load(name)


def load_cases(fixtures: Path, dirs: Iterable[str] = GOLDEN_DIRS) -> list[GoldenCase]:
    cases = []
    for directory in dirs:
        for page in sorted((fixtures / directory).glob("*.html")):
            stem = page.with_suffix("")
            cases.append(
                GoldenCase(
                    name=page.stem,
                    page=page,
                    meta=json.loads(
                        stem.with_suffix(".meta.json").read_text(encoding="utf-8")
                    ),
                    expected=json.loads(
                        stem.with_suffix(".expected.json").read_text(encoding="utf-8")
                    ),
                )
            )
    return cases


def field_accuracy(
    cases: list[GoldenCase],
    extractor: Callable[[GoldenCase], dict],
    fields: Iterable[str],
) -> dict[str, tuple[int, int, list[str]]]:
    """field -> (right, total, names of the cases it got wrong)."""
    predictions = {case.name: extractor(case) for case in cases}
    scores = {}
    for name in fields:
        wrong = [
            c.name
            for c in cases
            if predictions[c.name].get(name) != c.expected.get(name)
        ]
        scores[name] = (len(cases) - len(wrong), len(cases), wrong)
    return scores


def format_table(columns: dict[str, dict[str, tuple[int, int, list[str]]]]) -> str:
    """Per-field accuracy of several extractors side by side, as text."""
    names = list(columns)
    fields = list(next(iter(columns.values())))
    lines = [f"{'field':<20}" + "".join(f"{n:>14}" for n in names)]
    for field in fields:
        cells = []
        for name in names:
            right, total, _ = columns[name][field]
            cells.append(f"{100 * right / total:>13.1f}%")
        lines.append(f"{field:<20}" + "".join(cells))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Labelled real pages
# ---------------------------------------------------------------------------

#: The fields a labelled page is scored on. ``day``: the calendar day of the
#: publication; ``time``: the time of day as printed (a page that prints only
#: the day is right when no time is claimed); ``body_first`` / ``body_last``:
#: the first and last paragraph, whitespace folded.
LABELLED_FIELDS = (
    "title",
    "source",
    "day",
    "time",
    "body_first",
    "body_last",
    "credits",
)

#: When a labelled page is "fetched": after every date any of them prints.
LABELLED_FETCH_TIME = "2026-11-27T02:00:00Z"


@dataclass
class LabelledPage:
    """A real page of another site and its hand labels (some fields only)."""

    name: str
    page: Path
    url: str | None
    label: dict
    #: ``gov``: labelled with the fields of tests/fixtures/gov/README.md;
    #: ``real``: title, date, the body's first and last words.
    kind: str

    def response(self):
        return response_from_file(
            self.page, self.url or "http://example.invalid/page.html"
        )

    def extract(self) -> dict:
        """Our extractor on this page, as the Lianzhou spider would call it on
        a template it was never shown."""
        spider = spider_class("lianzhou")
        return extract_article(
            self.response(),
            now=datetime.fromisoformat(LABELLED_FETCH_TIME.replace("Z", "+00:00")),
            site=spider.site_name,
            selectors=spider.selectors,
            loader_class=spider.loader_class,
            scheme=spider.url_scheme or GENERIC,
        )


def load_labelled(fixtures: Path, kind: str) -> list[LabelledPage]:
    """The labelled article pages of ``fixtures/gov`` or ``fixtures/real``."""
    folder = fixtures / kind
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    return [
        LabelledPage(
            name=label["page"],
            page=folder / "third_party" / label["page"],
            url=label.get("url"),
            label=label,
            kind=kind,
        )
        for label in labels
    ]


def _fold(text: str | None) -> str:
    return " ".join((text or "").split())


def _paragraphs(text: str | None) -> list[str]:
    return [_fold(line) for line in (text or "").split("\n") if line.strip()]


_DAY_RE = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")
_TIME_RE = re.compile(r"(?<!\d)(\d{1,2})[:：时時](\d{2})(?:[:：分](\d{2}))?")


def _day(value: str | None) -> str | None:
    match = _DAY_RE.search(value or "")
    return "{}-{:02d}-{:02d}".format(*map(int, match.groups())) if match else None


def _time_of_day(value: str | None, precision: str | None = None) -> str | None:
    """``HH:MM`` or ``HH:MM:SS`` as claimed, None when only a day is."""
    if not value or precision == "day":
        return None
    rest = value[_DAY_RE.search(value).end() :] if _DAY_RE.search(value) else value
    match = _TIME_RE.search(rest)
    if not match:
        return None
    hour, minute, second = match.groups()
    if precision == "minute" or second is None:
        return f"{int(hour):02d}:{minute}"
    return f"{int(hour):02d}:{minute}:{second}"


def score_labelled(got: dict, page: LabelledPage) -> dict[str, bool | None]:
    """Each labelled field right (True), wrong (False) or not labelled (None).

    ``got`` has ``title``, ``source``, ``timestamp`` (any string a date is
    read from; ``timestamp_precision`` when the extractor gives one), ``body``
    (paragraphs by line) and ``credits``.
    """
    label = page.label
    lines = _paragraphs(got.get("body"))
    printed = label["published"] if page.kind == "gov" else label["date"]
    claimed = got.get("timestamp")
    if _day(printed):
        day_right = _day(claimed) == _day(printed)
    else:  # printed without a year ("09-30 22:46"): month and day
        day_right = bool(_day(claimed)) and _day(claimed)[5:] == printed[:5]
    scores: dict[str, bool | None] = {
        "title": got.get("title") == label["title"],
        "day": day_right,
        # The time of day of the right day: a missing time is not "no time".
        "time": day_right
        and _time_of_day(claimed, got.get("timestamp_precision"))
        == _time_of_day(printed),
    }
    if page.kind == "gov":
        scores["source"] = got.get("source") == label["source"]
        scores["body_first"] = (lines[0] if lines else None) == label["body_first"]
        scores["body_last"] = (lines[-1] if lines else None) == label["body_last"]
        scores["credits"] = (got.get("credits") or {}) == label["credits"]
    else:  # the real-page labels hold the body's first and last words
        scores["source"] = None
        scores["body_first"] = any(label["body_start"] in line for line in lines[:3])
        scores["body_last"] = bool(lines) and lines[-1].endswith(label["body_end"])
        scores["credits"] = None
    return scores


def labelled_accuracy(
    pages: list[LabelledPage], extractor: Callable[[LabelledPage], dict]
) -> dict[str, tuple[int, int, list[str]]]:
    """field -> (right, scored, names of the pages it got wrong), over the
    fields each page labels."""
    results = {field: (0, 0, []) for field in LABELLED_FIELDS}
    for page in pages:
        for field, right in score_labelled(extractor(page), page).items():
            if right is None:
                continue
            good, total, wrong = results[field]
            results[field] = (
                good + right,
                total + 1,
                wrong + ([] if right else [page.name]),
            )
    return {field: value for field, value in results.items() if value[1]}
