"""Real Chinese news pages from other sites: the generic path on unseen templates.

* All 78 (tests/fixtures/real/third_party, a copy of the shared corpus) must
  extract without error, with a title, without U+FFFD or page chrome in the
  body, and with a timestamp on every page that prints a date with its time in
  a short line before its comments.
* 15 of them are hand-labelled in tests/fixtures/real/labels.json (title,
  date, the body's first and last words), read off each page's own text, not
  off the extractor's output.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lianzhou_news.extract import extract_article, response_from_file

HERE = Path(__file__).parent
REAL = HERE / "fixtures" / "real"
NOW = datetime(2026, 11, 27, tzinfo=UTC)
LABELS = json.loads((REAL / "labels.json").read_text(encoding="utf-8"))
CORPUS = REAL / "third_party"

# Phrases that are page furniture on these portals and never article text.
CHROME = re.compile(
    r"条评论|评论 刷新|我要评论|查看全部|更多精彩评论|扫描二维码|免责声明|打印本页|关闭窗口|"
    r"分享到|上一篇|下一篇|版权所有|ICP备|正在加载|点击进入|返回.{0,4}查看更多|點我下載|"
    r"^责任编辑：$|^收看\d"
)


def _extract(path: Path, url: str | None):
    return extract_article(
        response_from_file(path, url or "http://example.invalid/page.html"), now=NOW
    )


@pytest.mark.parametrize("label", LABELS, ids=lambda label: label["page"])
def test_labelled_page(label):
    item = _extract(CORPUS / label["page"], None)
    assert item["title"] == label["title"]
    date = label["date"].replace(" ", "T")
    if re.match(r"\d{4}-", date):
        assert item["timestamp"].startswith(date)
    else:  # printed without a year: the year comes from the crawl date
        assert item["timestamp"][5:].startswith(date)
    lines = item["body"].split("\n")
    assert any(label["body_start"] in line for line in lines[:3]), lines[:3]
    assert item["body"].endswith(label["body_end"])
    assert "\ufffd" not in item["body"]


def test_all_real_pages():
    index = (CORPUS / "pages.jsonl").read_text(encoding="utf-8")
    pages = [json.loads(line) for line in index.splitlines()]
    assert len(pages) == 78
    problems = []
    for page in pages:
        path = CORPUS / page["local_path"]
        try:
            item = _extract(path, page["url"])
        except Exception as error:  # a crash on any page is the failure
            problems.append(f"{page['local_path']}: raised {error!r}")
            continue
        body = item["body"] or ""
        if not item["title"]:
            problems.append(f"{page['local_path']}: no title")
        if "\ufffd" in body or "\ufffd" in (item["title"] or ""):
            problems.append(f"{page['local_path']}: U+FFFD")
        chrome = [
            line for line in body.split("\n") if len(line) < 60 and CHROME.search(line)
        ]
        if chrome:
            problems.append(f"{page['local_path']}: chrome {chrome[:2]}")
        if _prints_a_time(path, page) and not item["timestamp"]:
            problems.append(f"{page['local_path']}: no timestamp")
    assert problems == []


def _prints_a_time(path: Path, page: dict) -> bool:
    """Independent of the extractor: a short visible line with a date and a time
    of day, before anything that looks like comments."""
    encoding = "utf-8" if page["actual_encoding"] == "utf-8" else "gb18030"
    text = path.read_bytes().decode(encoding, errors="replace")
    text = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>|<!--.*?-->", "", text)
    text = re.split(r"评论|評論|留言", re.sub(r"<[^>]+>", "\n", text), maxsplit=1)[0]
    return any(
        len(line.strip()) < 60
        and re.search(
            r"(?:19|20)\d\d[-/年.]\d{1,2}[-/月.]\d{1,2}日?\s*\d{1,2}:\d{2}", line
        )
        for line in text.splitlines()
    )


def test_a_date_printed_without_a_year_never_takes_the_clock_s():
    # Every page of the corpus is older than NOW's year: a timestamp in it can
    # only have come from the clock (issue 14: pages of 2004, 2005 and 2022
    # came out as 2026).
    index = (CORPUS / "pages.jsonl").read_text(encoding="utf-8")
    from_the_clock = []
    for page in map(json.loads, index.splitlines()):
        item = _extract(CORPUS / page["local_path"], page["url"])
        if (item["timestamp"] or "").startswith(str(NOW.year)):
            from_the_clock.append((page["local_path"], item["timestamp_raw"]))
        if item["timestamp"] is None and "timestamp:no_year" not in item["quality"]:
            assert "timestamp:missing" in item["quality"]
    assert from_the_clock == []
