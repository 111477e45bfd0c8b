"""Shared fixtures: golden cases, and one real crawl of the offline site per session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from lianzhou_news.extract import extract_article, response_from_file

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class GoldenCase:
    """A saved page (raw bytes), its fetch metadata, and the reviewed expected item."""

    name: str
    page: Path
    meta: dict
    expected: dict

    def extract(self):
        response = response_from_file(self.page, self.meta["url"], self.meta.get("headers"))
        return extract_article(
            response,
            now=datetime.fromisoformat(self.meta["fetched_at"].replace("Z", "+00:00")),
            site="连州市融媒体中心",
            listing_channel=self.meta.get("listing_channel"),
        )


def golden_cases(site: str = "lianzhou") -> list[GoldenCase]:
    cases = []
    for page in sorted((FIXTURES / site).glob("*.html")):
        stem = page.with_suffix("")
        cases.append(
            GoldenCase(
                name=page.stem,
                page=page,
                meta=json.loads(stem.with_suffix(".meta.json").read_text(encoding="utf-8")),
                expected=json.loads(stem.with_suffix(".expected.json").read_text(encoding="utf-8")),
            )
        )
    return cases
