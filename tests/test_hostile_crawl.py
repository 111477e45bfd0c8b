"""Hostile sites, crawled (issue 15: cases 2, 3, 4 and 9 end to end).

Real HTTP on 127.0.0.1, the real ``scrapy crawl``, pages made on request by
the local server: pagers without end, deep pages, numbers of 5,000 digits, a
listing of 50,000 links, and pages the extractor raises on. Every run must
end by itself, answer SIGINT, and name what it stopped or could not read;
what it could not read is fetched again by the next run.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from lianzhou_news.state import StateStore
from localsite import serve
from localsite.run import crawl_command, run_crawl

from .test_hostile_pages import NAMES

ROOT = Path(__file__).resolve().parent.parent
MAX_PAGES = 6
ARTICLE_RE = re.compile(r"^/(?P<column>\w+)/content/post_(?P<id>\d+)\.html$")
PAGE_RE = re.compile(r"^/(?P<column>\w+)/(?:index(?:_(?P<page>\d+))?\.html)?$")


def _article(article_id: str, title: str, inner: str = "") -> bytes:
    return (
        "<html><head><meta charset='utf-8'>"
        f"<title>{title}</title></head><body><h1>{title}</h1>"
        "<p>来源：连州市融媒体中心 发布时间：2024-05-06 10:00:00</p>"
        f"<div class='article'><p>第{article_id}篇文章的正文，连州市召开会议，"
        f"部署防汛备汛工作。</p>{inner}</div></body></html>"
    ).encode()


def _listing(column: str, ids, script: str = "", pager: str = "") -> bytes:
    links = "".join(
        f'<li><a href="/{column}/content/post_{n}.html">文章{n}</a></li>' for n in ids
    )
    return (
        f"<html><head><meta charset='utf-8'><title>{column}</title></head><body>"
        f"<ul>{links}</ul>{pager}<script>{script}</script></body></html>"
    ).encode()


DEEP_ARTICLES = {
    "101": ("普通的一篇", ""),
    "102": ("一千层div", "<div>" * 1000 + "深处的文字。" + "</div>" * 1000),
    "103": ("一千个font", "<font>" * 1000 + "深处的文字。"),
    "104": (
        "连州\u202e市召开\x07会议",
        f"<p>- THE END -</p><p>记者：{' '.join(NAMES)}</p>",
    ),
}


def hostile_page(path: str) -> bytes | None:
    if match := ARTICLE_RE.match(path):
        article_id = match.group("id")
        title, inner = DEEP_ARTICLES.get(article_id, (f"文章{article_id}", ""))
        return _article(article_id, title, inner)
    match = PAGE_RE.match(path)
    if not match:
        return None
    column, page = match.group("column"), int(match.group("page") or 1)
    next_link = f'<a href="/{column}/index_{page + 1}.html">下一页</a>'
    if column == "deep":  # numbers of 5,000 digits, a listing read whole all the same
        if page > 1:
            return None
        return _listing(
            column,
            DEEP_ARTICLES,
            f"var totalPage = {'9' * 5000};",
            f'<a href="/deep/index_{"9" * 5000}.html">末页</a>',
        )
    if column == "endless":  # a pager of half a million pages, new articles on each
        return _listing(
            column,
            (1000 + 2 * page, 1001 + 2 * page),
            "var totalPage = Math.ceil(10000000/20);",
        )
    if column == "same":  # the same articles on every page, a next link for ever
        return _listing(column, (2001, 2002), pager=next_link)
    if column == "nextlink":  # a next link for ever, new articles on each page
        return _listing(column, (3000 + 2 * page, 3001 + 2 * page), pager=next_link)
    return None


def _items(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_hostile_site_ends_by_itself_and_names_what_it_stopped(tmp_path):
    with serve(tmp_path / "empty", pages={"/": hostile_page}) as site:
        columns = ("deep", "endless", "same", "nextlink")
        command = crawl_command(
            [f"{site.base_url}/{column}/" for column in columns],
            run_id="hostile",
            settings={"LIANZHOU_COLUMN_MAX_PAGES": str(MAX_PAGES)},
        )
        result = run_crawl(command, tmp_path, timeout=180)
        paths = [hit.path for hit in site.hits]
    output = tmp_path / "output/lianzhou"
    report = json.loads((output / "hostile.report.json").read_text())
    assert result.returncode == 0, result.stderr[-3000:]

    # Every page each column walk read, and no more.
    def pages(column):
        return sorted(
            int(m.group("page") or 1)
            for p in paths
            if (m := PAGE_RE.match(p)) and m.group("column") == column
        )

    assert pages("deep") == [1]
    assert pages("endless") == list(range(1, MAX_PAGES + 1))
    assert pages("nextlink") == list(range(1, MAX_PAGES + 1))
    assert pages("same") == [1, 2, 3, 4]  # one page with news, three without
    stopped = {
        PAGE_RE.match(s["url"].removeprefix(site.base_url)).group("column"): s
        for s in report["columns_stopped_early"]
    }
    assert set(stopped) == {"endless", "same", "nextlink"}
    assert "LIANZHOU_COLUMN_MAX_PAGES=6" in stopped["endless"]["reason"]
    assert "LIANZHOU_COLUMN_MAX_PAGES=6" in stopped["nextlink"]["reason"]
    assert "LIANZHOU_COLUMN_STALE_PAGES=3" in stopped["same"]["reason"]
    assert stopped["same"]["url"].endswith("/same/index_4.html")

    # The deep pages and the huge numbers lost nothing.
    items = {item["article_id"]: item for item in _items(output / "hostile.jsonl")}
    assert set(DEEP_ARTICLES) <= set(items)
    assert "深处的文字。" in items["102"]["body"]
    assert "深处的文字。" in items["103"]["body"]
    assert items["104"]["title"] == "连州市召开会议"
    assert items["104"]["credits"]["reporter"][:2] == NAMES[:2]
    assert "credits:truncated" in items["104"]["quality"]
    assert len(items) == 4 + 2 * MAX_PAGES + 2 + 2 * MAX_PAGES
    assert report["failed_articles"] == [] and report["failed_listings"] == []

    # A column stopped early is not walked: the next run reads it again.
    store = StateStore(tmp_path / "state", "lianzhou")
    try:
        assert store.column_walked("/deep/index.html")
        for column in ("endless", "same", "nextlink"):
            assert not store.column_walked(f"/{column}/index.html"), column
    finally:
        store.close()


def raising_page(path: str) -> bytes | None:
    if match := ARTICLE_RE.match(path):
        article_id = match.group("id")
        title = (
            "连州炸弹新闻报道" if article_id == "2" else f"连州新闻第{article_id}篇报道"
        )
        return _article(article_id, title)
    match = PAGE_RE.match(path)
    if match and not match.group("page"):
        first = {"news": 1, "boom": 11}[match.group("column")]
        return _listing(match.group("column"), range(first, first + 3))
    return None


@pytest.mark.parametrize("processes", ["0", "1"], ids=["in the crawler", "in a worker"])
def test_a_page_the_extractor_raises_on_is_a_named_failure_fetched_again(
    tmp_path, monkeypatch, processes
):
    # The test spider lives in tests/; workers import its loader by name.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    settings = {
        "SPIDER_MODULES": "lianzhou_news.spiders,tests.raising_spider",
        "LIANZHOU_EXTRACT_PROCESSES": processes,
    }
    output = tmp_path / "output/lianzhou_raising"
    with serve(tmp_path / "empty", pages={"/": raising_page}) as site:
        start = [f"{site.base_url}/news/", f"{site.base_url}/boom/"]
        monkeypatch.setenv("LIANZHOU_TEST_RAISE_TITLE", "炸弹")
        monkeypatch.setenv("LIANZHOU_TEST_RAISE_LISTING", "/boom/")
        command = crawl_command(
            start, spider="lianzhou_raising", run_id="r1", settings=settings
        )
        first = run_crawl(command, tmp_path, timeout=120)
        monkeypatch.delenv("LIANZHOU_TEST_RAISE_TITLE")
        monkeypatch.delenv("LIANZHOU_TEST_RAISE_LISTING")
        command = crawl_command(
            start, spider="lianzhou_raising", run_id="r2", settings=settings
        )
        second = run_crawl(command, tmp_path, timeout=120)

    report = json.loads((output / "r1.report.json").read_text())
    assert {i["article_id"] for i in _items(output / "r1.jsonl")} == {"1", "3"}
    # itemloaders wraps the loader's RuntimeError in a ValueError.
    assert report["failed_articles"] == [
        {
            "url": f"{site.base_url}/news/content/post_2.html",
            "reason": "parse error: ValueError",
        }
    ], first.stderr[-3000:]
    assert report["failed_listings"] == [
        {"url": f"{site.base_url}/boom/", "reason": "parse error: RuntimeError"}
    ]
    assert report["errors"]["parse"] == 2
    # Lost articles make a run unhealthy once issue 15's case 12 lands; until
    # then the run says what it lost, and does not mark its columns walked.
    assert "could not extract" in first.stderr

    # The next run fetches what the first could not read.
    assert second.returncode == 0, second.stderr[-3000:]
    assert {i["article_id"] for i in _items(output / "r2.jsonl")} == {
        "2",
        "11",
        "12",
        "13",
    }


def wide_page(path: str) -> bytes | None:
    if path == "/wide/index.html" or path == "/wide/":
        return WIDE_LISTING
    return None


WIDE_LISTING = _listing("wide", range(1, 50_001))


def test_a_listing_of_50000_links_is_read_and_sigint_still_ends_the_run(tmp_path):
    with serve(tmp_path / "empty", pages={"/": wide_page}) as site:
        command = crawl_command([f"{site.base_url}/wide/"], run_id="wide")
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
        process = subprocess.Popen(
            command,
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(
                "/content/" in hit.path for hit in list(site.hits)
            ):
                time.sleep(0.05)  # until the listing was read and articles asked for
            assert any("/content/" in hit.path for hit in list(site.hits)), (
                "the 50,000-link listing was not read within 60 s"
            )
            process.send_signal(signal.SIGINT)
            # It stops mid-listing, not after queueing all 50,000 requests (~20 s).
            _, stderr = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    report = json.loads((tmp_path / "output/lianzhou/wide.report.json").read_text())
    assert report["finish_reason"] == "shutdown", stderr[-3000:]
    assert report["requests"]["listing"] == 1
