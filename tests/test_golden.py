"""Golden pages: every field of every reviewed case must come out exactly.

Each case in tests/fixtures/<site>/ is a saved page (bytes, decoded the way
Scrapy decodes them), its meta (URL, headers, fetch time, the listing's
channel) and the expected item, reviewed by hand against the page. One test
per field per case, so a failure names both.
"""

from __future__ import annotations

from functools import cache

import pytest

from lianzhou_news.items import FIELD_ORDER, schema_errors

from .conftest import golden_cases

CASES = golden_cases()


@cache
def _extracted(name: str):
    return next(case for case in CASES if case.name == name).extract()


def test_there_are_golden_cases_for_both_scripts_and_credit_styles():
    langs = {case.expected["lang"] for case in CASES}
    roles = {role for case in CASES for role in case.expected["credits"]}
    assert len(CASES) >= 7
    assert langs == {"zh-Hans", "zh-Hant"}
    assert {
        "reporter",
        "editor",
        "proofreader",
        "reviewer",
        "writer",
        "photographer",
    } <= roles


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_expected_file_is_complete(case):
    assert list(case.expected) == FIELD_ORDER


@pytest.mark.parametrize(
    ("case", "field"),
    [(case, field) for case in CASES for field in FIELD_ORDER],
    ids=lambda value: getattr(value, "name", value),
)
def test_field(case, field):
    item = _extracted(case.name)
    assert item[field] == case.expected[field]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_item_satisfies_schema(case):
    assert schema_errors(_extracted(case.name)) == []


def test_seed_article_matches_site_md():
    """The values docs/site.md gives for the seed, restated here so they cannot drift."""
    item = _extracted("seed_mirror")
    assert (
        item["title"]
        == "連州市宣傳思想文化工作會議召開 為連州高質量發展提供堅強思想保證和強大精神力量"
    )
    assert item["source"] == "連州市融媒體中心"
    assert item["timestamp"] == "2023-03-22T17:01:12+08:00"
    paragraphs = item["body"].split("\n")
    assert len(paragraphs) == 8
    assert paragraphs[0].startswith("3月20日,") and paragraphs[-1].endswith(
        "明確責任單位。"
    )
    for chrome in (
        "(huì)",
        "圖片",
        "THE END",
        "記者",
        "頭部",
        "來源",
        "footer底部",
        "字體",
    ):
        assert chrome not in item["body"]
    assert item["credits"] == {
        "reporter": ["黃瀅", "袁安杰"],
        "editor": ["黃藝"],
        "proofreader": ["唐芳"],
        "reviewer": ["吳哲華"],
    }
    assert "body:mojibake" in item["quality"]
