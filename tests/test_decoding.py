"""Wrong charsets: the page is read right, or its damage is flagged, never passed off."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from lianzhou_news.extract.decoding import _reads_as_chinese

from .conftest import golden_cases

CASE = next(c for c in golden_cases() if c.name == "archive_byline")
TEXT = CASE.page.read_bytes().decode("utf-8")


@pytest.mark.parametrize(
    ("body", "header", "note"),
    [
        (TEXT.encode("utf-8"), "text/html; charset=gb2312", "utf-8 (declared gb18030)"),
        (
            TEXT.encode("gb18030"),
            "text/html; charset=utf-8",
            "gb18030 (declared utf-8)",
        ),
        (
            TEXT.encode("gb18030"),
            "text/html; charset=iso-8859-1",
            "gb18030 (declared cp1252)",
        ),
    ],
    ids=["utf8-declared-gb2312", "gbk-declared-utf8", "gbk-declared-latin1"],
)
def test_misdeclared_pages_give_the_golden_item(body, header, note):
    response = HtmlResponse(
        url=CASE.meta["url"], body=body, headers={"Content-Type": header}
    )
    from lianzhou_news.extract import extract_article

    item = extract_article(response, now=CASE.fetched_at, site="连州市融媒体中心")
    for field in ("title", "source", "timestamp", "body", "credits"):
        assert item[field] == CASE.expected[field], field
    assert item["provenance"]["encoding"] == note
    assert item["quality"] == []


def test_western_text_is_not_taken_for_chinese():
    german = "Die Bürger in Zürich, München und Köln stimmen über Änderungen ab. " * 30
    assert not _reads_as_chinese(german.encode("latin-1"))
