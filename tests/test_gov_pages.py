"""The known misses on labelled government pages, one test each.

Expected values are the hand labels of tests/fixtures/gov/labels.json, read
off each page (see that folder's README); the test names say what the page
does that the extractor used to get wrong.
"""

from __future__ import annotations

import pytest

from lianzhou_news.evaluation import load_labelled, score_labelled

from .conftest import FIXTURES

PAGES = {page.name.split("/")[-1]: page for page in load_labelled(FIXTURES, "gov")}


def _extract(name: str):
    page = PAGES[name]
    got = page.extract()
    return page, got, score_labelled(got, page)


def test_roc_year_of_a_taiwanese_page_is_read_as_minguo():
    # MND prints "115.03.19" next to its headline: 民國 115 = 2026.
    page, got, scores = _extract("detail_page.html")
    assert got["timestamp"] == "2026-03-19T00:00:00+08:00"
    assert got["timestamp_precision"] == "day"
    assert page.label["published"] == "2026-03-19"
    assert scores["day"] and scores["time"]


def test_a_body_paragraph_repeating_the_headline_is_body():
    # MND's div.maincontent opens with a <p> that repeats the h2 headline
    # (outside the body); the label counts that paragraph as the first.
    page, got, scores = _extract("detail_page.html")
    assert got["body"].split("\n")[0] == page.label["body_first"]
    assert scores["body_last"]


def test_a_one_paragraph_body_wins_over_a_footer_of_many_lines():
    # nf-detail: one long paragraph, then a footer of addresses and phones.
    page, got, scores = _extract("nf-detail.html")
    assert got["body"] == page.label["body_first"]
    assert "办公地址" not in got["body"]
    assert scores["body_first"] and scores["body_last"]


def test_a_table_body_is_read_cell_by_cell_without_the_rights_notice():
    # nfra: the body is one 6-column table; a rights notice and a hidden
    # (ng-hide) duplicate of the table follow it.
    page, got, scores = _extract("merged_cells_page_source.html")
    lines = got["body"].split("\n")
    assert lines[0] == "序号" and lines[-1] == "警告并罚款14万元"
    assert lines.count("序号") == 1  # the hidden duplicate is not read
    assert not any("版权" in line for line in lines)
    assert scores["body_first"] and scores["body_last"], page.label["notes"]


def test_a_time_only_a_meta_tag_carries_does_not_refine_a_printed_day():
    # nfra prints "发布时间：2025-06-03"; only its PubDate meta has 11:18.
    page, got, scores = _extract("merged_cells_page_source.html")
    assert got["timestamp"] == "2025-06-03T00:00:00+08:00"
    assert got["timestamp_precision"] == "day"
    assert page.label["published"] == "2025-06-03"
    assert scores["time"]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_every_labelled_gov_page_keeps_its_title(name):
    page, got, scores = _extract(name)
    assert scores["title"], (got.get("title"), page.label["title"])


def test_a_source_written_by_a_script_is_read_where_the_value_is():
    # No labelled page does this; a TRS-style info line whose 来源 is written
    # by document.write from a variable (the form issue 14 describes).
    from scrapy.http import HtmlResponse

    from lianzhou_news.extract import extract_article

    html = """<html><head><title>测试标题_某县人民政府</title></head><body>
    <h1>测试标题</h1>
    <div class="info">发布时间：2024-05-06 09:30
    <script>var ly = "某县融媒体中心";
    if (ly != "") { document.write("<span>来源：" + ly + "</span>"); }</script>
    </div>
    <div class="article-content"><p>这是正文第一段，说明了县里的一项工作安排和进展情况。</p>
    <p>这是正文第二段，介绍下一步的工作计划和具体措施要求。</p></div>
    </body></html>"""
    response = HtmlResponse(
        "http://example.invalid/a/t20240506_1.html",
        body=html.encode("utf-8"),
        encoding="utf-8",
    )
    item = extract_article(response)
    assert item["source"] == "某县融媒体中心"
    assert item["timestamp"] == "2024-05-06T09:30:00+08:00"
