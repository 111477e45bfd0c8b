"""Hostile pages, one extraction at a time (issue 15: cases 2, 3, 9 and two of 14).

A page may nest elements thousands deep, list 50,000 links, print numbers of
5,000 digits, credit 10,000 names on one line or put control characters in a
headline. Extraction must finish in time linear in the page and never raise;
what it cannot use whole comes out bounded and flagged, not dropped.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from lxml import etree
from scrapy.http import HtmlResponse

from lianzhou_news.extract import extract_article, extract_listing
from lianzhou_news.extract.blocks import iter_blocks
from lianzhou_news.schemes import GUANGDONG_PLATFORM
from lianzhou_news.text import credits
from lianzhou_news.text.cleaning import clean_text

from .test_fuzz import bounded

NOW = datetime(2026, 11, 27, tzinfo=UTC)
BASE = "http://127.0.0.1:8000"
ARTICLE_URL = BASE + "/zwgk/lzyw/content/post_123.html"
PARAGRAPH = "连州市召开会议，部署今年的防汛备汛工作。" * 6


def article_page(inner: str = "", *, title: str = "连州市召开防汛工作会议") -> bytes:
    return (
        "<html><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body>"
        f"<h1>{title}</h1><p>来源：连州市融媒体中心 发布时间：2024-05-06 10:00:00</p>"
        f"<div class='article'><p>{PARAGRAPH}</p>{inner}</div>"
        "</body></html>"
    ).encode()


def extract(body: bytes, url: str = ARTICLE_URL):
    response = HtmlResponse(url=url, body=body, encoding="utf-8")
    with bounded(20):
        return extract_article(response, now=NOW)


# --- case 2: depth ------------------------------------------------------------


@pytest.mark.parametrize(
    "inner",
    [
        "<div>" * 1000 + "深处的一段文字。" + "</div>" * 1000,
        "<font>" * 1000 + "深处的一段文字。",  # 12 KB, never closed
        "<span><b>" * 1000 + "深处的一段文字。",
    ],
    ids=["1000 nested div", "1000 unclosed font", "2000 nested inline"],
)
def test_deep_nesting_is_extracted_not_a_recursion_error(inner):
    item = extract(article_page(inner))
    assert item["title"] == "连州市召开防汛工作会议"
    assert "深处的一段文字。" in item["body"]
    assert PARAGRAPH in item["body"]


def test_iter_blocks_keeps_reading_order_at_any_depth():
    # Built by hand: libxml2 stops parsing at depth 2,048 (parsel's huge_tree).
    depth = 5000
    root = element = etree.Element("div")
    for _ in range(depth):
        element = etree.SubElement(element, "div")
        element.text = "a"
        etree.SubElement(element, "b").text = "b"
    element.text = "z"
    element.remove(element[0])
    texts = [block.text for block in iter_blocks(root, BASE)]
    assert texts == ["ab"] * (depth - 1) + ["z"]


# --- case 3: a listing with 50,000 undated links --------------------------------


def _wide_listing(links: int) -> bytes:
    items = "".join(
        f'<li><a href="/zwgk/lzyw/content/post_{n}.html">第{n}条新闻</a></li>'
        for n in range(1, links + 1)
    )
    return f"<html><body><ul>{items}</ul></body></html>".encode()


def test_a_listing_of_50000_undated_links_is_read_in_seconds():
    response = HtmlResponse(
        url=BASE + "/zwgk/lzyw/index.html", body=_wide_listing(50_000), encoding="utf-8"
    )
    started = time.perf_counter()
    with bounded(30):  # quadratic, it took about 45 minutes
        listing = extract_listing(response)
    elapsed = time.perf_counter() - started
    assert len(listing.entries) == 50_000
    assert all(entry.date is None for entry in listing.entries)
    assert elapsed < 10, f"{elapsed:.1f} s"


def test_a_date_beside_its_link_is_still_found_in_a_long_list():
    items = "".join(
        f'<li><a href="/zwgk/lzyw/content/post_{n}.html">第{n}条</a>'
        f"<span>2024-05-{n % 28 + 1:02d}</span></li>"
        for n in range(1, 3001)
    )
    listing = extract_listing(
        HtmlResponse(
            url=BASE + "/zwgk/lzyw/index.html",
            body=f"<ul>{items}</ul>".encode(),
            encoding="utf-8",
        )
    )
    assert [e.date for e in listing.entries[:3]] == [
        "2024-05-02",
        "2024-05-03",
        "2024-05-04",
    ]
    assert listing.entries[-1].date == f"2024-05-{3000 % 28 + 1:02d}"


# --- case 9: numbers too big ------------------------------------------------------


def test_a_5000_digit_totalpage_is_not_a_page_count():
    body = (
        '<a href="/zwgk/lzyw/content/post_1.html">一</a>'
        f"<script>var totalPage = {'9' * 5000};</script>"
    ).encode()
    listing = extract_listing(
        HtmlResponse(url=BASE + "/zwgk/lzyw/index.html", body=body, encoding="utf-8")
    )
    assert [e.article_id for e in listing.entries] == ["1"]
    assert listing.total_pages is None


def test_a_5000_digit_item_count_is_not_a_page_count():
    body = (
        '<a href="/zwgk/lzyw/content/post_1.html">一</a>'
        f"<script>var totalPage = Math.ceil({'9' * 5000}/20);</script>"
    ).encode()
    listing = extract_listing(
        HtmlResponse(url=BASE + "/zwgk/lzyw/index.html", body=body, encoding="utf-8")
    )
    assert listing.total_pages is None and listing.declared_items is None


def test_a_pager_link_with_5000_digits_is_not_a_page():
    body = (
        '<a href="/zwgk/lzyw/content/post_1.html">一</a>'
        f'<a href="/zwgk/lzyw/index_{"9" * 5000}.html">下一页</a>'
        '<a href="/zwgk/lzyw/index_2.html">2</a>'
    ).encode()
    listing = extract_listing(
        HtmlResponse(url=BASE + "/zwgk/lzyw/index.html", body=body, encoding="utf-8")
    )
    assert [e.article_id for e in listing.entries] == ["1"]
    assert listing.page_numbers == {2}


@pytest.mark.parametrize("digits", ["9" * 5000, "²", "٣"])
def test_page_number_of_an_odd_listing_url(digits):
    url = f"{BASE}/zwgk/lzyw/index_{digits}.html"
    assert GUANGDONG_PLATFORM.page_number(url) == 1
    assert GUANGDONG_PLATFORM.pager_page(url, BASE + "/zwgk/lzyw/") is None


# --- case 14: a credit line of 10,000 names; control characters -------------------


NAMES = [f"张{chr(0x4E00 + n % 400)}{chr(0x4E00 + n // 400)}" for n in range(10_000)]


@pytest.mark.parametrize(
    "inner",
    [
        f"<p>记者：{' '.join(NAMES)}</p>",
        f"<p>- THE END -</p><p>记者：{'、'.join(NAMES)}</p>",
    ],
    ids=["in the text", "after THE END"],
)
def test_a_credit_line_of_10000_names_comes_out_bounded_and_flagged(inner):
    item = extract(article_page(inner))
    assert item["credits"]["reporter"] == NAMES[: credits.CREDIT_NAMES_MAX]
    (raw,) = item["credits_raw"]
    assert raw.startswith("记者：张") and len(raw) <= credits.CREDIT_RAW_MAX
    assert "credits:truncated" in item["quality"]
    assert "张" not in item["body"]
    assert item["body"] == PARAGRAPH


def test_an_ordinary_credit_line_is_not_flagged():
    item = extract(article_page("<p>记者：黄滢 袁安杰</p>"))
    assert item["credits"] == {"reporter": ["黄滢", "袁安杰"]}
    assert item["credits_raw"] == ["记者：黄滢 袁安杰"]
    assert "credits:truncated" not in item["quality"]


CONTROLS = "\x00\x07\x1b\x7f\x9b\u202e\u202a\u2066\u2069\u200e\u200f\u061c"


def test_control_and_bidi_characters_never_reach_a_text_field():
    title = "连州\u202e市召开\x07防汛\x1b工作会议"
    body = article_page(
        "<p>正文\u202e里的\x00一段\x9b文字\u2066。</p><p>记者：黄\u202e滢</p>",
        title=title,
    )
    item = extract(body)
    assert item["title"] == "连州市召开防汛工作会议"
    for name in ("title", "source", "channel", "body"):
        value = item.get(name) or ""
        assert not any(c in value for c in CONTROLS), (name, value)
    assert "正文里的一段文字。" in item["body"]
    for raw in item["credits_raw"]:
        assert not any(c in raw for c in CONTROLS)


def test_clean_text_drops_controls_but_keeps_whitespace_as_space():
    assert clean_text("a\x07b\u202ec\td\ne\x85f") == "abc d e f"
