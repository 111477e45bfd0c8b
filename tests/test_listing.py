"""Listing pages: which links are followed, their dates, and the pagination."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse

from lianzhou_news.extract import extract_listing
from localsite import build_site
from localsite.build import ROBOTS_FORBIDDEN_PATH

BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    articles = build_site(root)
    return root, {a.article_id: a for a in articles}


def _listing(root, path):
    page = root / path.lstrip("/")
    return extract_listing(HtmlResponse(url=BASE + path, body=page.read_bytes()))


def test_totalpage_listing(site):
    root, articles = site
    listing = _listing(root, "/zwgk/lzyw/index.html")
    assert listing.total_pages == 3  # totalPage = Math.ceil(28/12)
    assert listing.channel == "连州要闻"
    assert len(listing.entries) == 12
    for entry in listing.entries:
        assert entry.url.startswith(BASE + "/zwgk/lzyw/content/post_")
        article = articles[entry.article_id]
        assert entry.title == article.title  # from @title, not the <!-- comment -->
        assert entry.date == article.published[:10]


def test_offsite_links_are_dropped(site):
    root, _ = site
    listing = _listing(root, "/zwgk/lzyw/index.html")
    raw = (root / "zwgk/lzyw/index.html").read_text(encoding="utf-8")
    assert "mp.weixin.qq.com" in raw and "__OFFSITE_HOST__" in raw  # the page has them
    assert all(entry.url.startswith(BASE + "/") for entry in listing.entries)


def test_pager_listing_without_totalpage(site):
    root, _ = site
    first = _listing(root, "/zwgk/zwyw/index.html")
    assert first.total_pages is None
    assert first.page_numbers == {2, 3}
    middle = _listing(root, "/zwgk/zwyw/index_2.html")
    assert middle.page_numbers == {1, 3}


def test_pages_limit_does_not_hide_pages():
    # Read as a cap, pages_limit once hid 37 of a column's 42 pages.
    body = b"<script>var totalPage = Math.ceil(400/20); var pages_limit = 5;</script>"
    listing = extract_listing(HtmlResponse(url=BASE + "/a/", body=body))
    assert listing.total_pages == 20
    assert listing.declared_items == 400


def test_same_site_link_forbidden_by_robots_is_still_listed(site):
    # robots.txt, not the listing parser, keeps the crawler away from it.
    root, _ = site
    listing = _listing(root, "/zwgk/bmdt/index.html")
    assert any(entry.url == BASE + ROBOTS_FORBIDDEN_PATH for entry in listing.entries)


def test_unseen_skin_relative_links_schemes_and_dates():
    body = """
    <table class="x"><tr><td><a href="../content/post_5.html">第一条<!-- hidden --></a></td>
      <td>发布：2024年3月5日</td></tr>
    <tr><td><a href="javascript:openPost(6)">脚本</a> <a href="mailto:a@b.cn">邮件</a>
      <a href="file:///etc/passwd">文件</a> <a href="//other.example/content/post_7.html">别站</a>
      <a href="http://127.0.0.1:9999/content/post_8.html">别的端口</a></td></tr>
    <tr><td><a href="/lm/content/post_9.html" title="第二条">第二…</a> 2024-03-04</td></tr></table>
    """.encode()
    listing = extract_listing(
        HtmlResponse(url=BASE + "/lm/sub/index.html", body=body, encoding="utf-8")
    )
    assert [(e.article_id, e.title, e.date) for e in listing.entries] == [
        ("5", "第一条", "2024年3月5日"),
        ("9", "第二条", "2024-03-04"),
    ]
    assert listing.entries[0].url == BASE + "/lm/content/post_5.html"
    assert listing.total_pages is None and listing.page_numbers == set()


def test_unparseable_links_are_skipped_not_fatal():
    # Found by the fuzzer: urljoin raises on "http://[0".
    body = (
        b'<a href="http://[0/content/post_7.html">x</a><img src="http://[0">'
        b'<a href="/a/content/post_8.html">ok</a>'
    )
    listing = extract_listing(
        HtmlResponse(url=BASE + "/a/index.html", body=body, encoding="utf-8")
    )
    assert [e.article_id for e in listing.entries] == ["8"]
