"""Golden cases and per-field accuracy, shared by the tests and ``bench/``.

A golden case is a saved page (raw bytes), its fetch meta (URL, headers,
fetch time, the listing's channel and date, the spider that crawls it) and the
expected item, reviewed by hand against the page. A case is extracted the way
its spider would: with its ``site_name``, ``selectors``, ``loader_class`` and
``url_scheme``. ``field_accuracy`` scores any extractor's items
against them, field by field, exactly.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from .extract import extract_article, response_from_file

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
            "scheme": spider.url_scheme,
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
