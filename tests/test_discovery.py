"""Column discovery on page HTML (``lianzhou_news.discovery``), and the
discovered columns each state store remembers.

The home page is the offline county's (``localsite/home.py``), built like the
real portals' (menu, search form, headline blocks with 更多, dead and off-site
links); the listing pages are the real ones of ``tests/fixtures/gov/``, whose
article counts were read off the pages by hand (``listings.json`` notes).
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from scrapy.http import HtmlResponse

from lianzhou_news.discovery import (
    MENU,
    MORE,
    candidate_links,
    compile_columns_filter,
    is_listing_page,
    main_list,
)
from lianzhou_news.schemes import GUANGDONG_PLATFORM
from lianzhou_news.state import Discovered, StateStore
from localsite import build_site
from localsite.build import DEAD_PATHS, OFFSITE_PLACEHOLDER
from localsite.home import render_home

from .test_state_stores import _redis_store

FIXTURES = Path(__file__).parent / "fixtures"
GOV_PAGES = FIXTURES / "gov/third_party"
BASE = "http://127.0.0.1:8000"


def _is_article(url: str) -> bool:
    return GUANGDONG_PLATFORM.article_id(url) is not None


def _page(site: Path, path: str, url_path: str | None = None) -> HtmlResponse:
    url = BASE + (url_path if url_path is not None else "/" + path)
    return HtmlResponse(url, body=(site / path).read_bytes())


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    build_site(root)
    return root


def test_home_page_candidates_are_its_columns_first_with_their_names(site):
    home = _page(site, "index.html", "/")
    candidates = candidate_links(home, GUANGDONG_PLATFORM)
    paths = [c.url.removeprefix(BASE) for c in candidates]
    # The three columns come first, from their 更多 links; 部门动态 is not in
    # the menu, so its name is its block's heading.
    assert [(c.name, c.via) for c in candidates[:3]] == [
        ("连州要闻", MORE),
        ("政务要闻", MORE),
        ("部门动态", MORE),
    ]
    assert paths[:3] == ["/zwgk/lzyw/", "/zwgk/zwyw/", "/zwgk/bmdt/"]
    # The menu's pages that are not columns are candidates too (a fetch tells).
    assert {"/zjlz/", "/search/", "/mirror/", *DEAD_PATHS} <= set(paths)
    assert next(c for c in candidates if c.url.endswith("/zjlz/")).via == MENU
    # Never: another host, a WeChat repost, an article, the home page itself.
    assert all(c.url.startswith(BASE + "/") for c in candidates)
    assert not any("/content/post_" in p for p in paths)
    assert "/" not in paths and len(paths) == len(set(paths)) == 10
    assert OFFSITE_PLACEHOLDER in home.text and "mp.weixin" in home.text


def test_candidate_limit_keeps_the_best_first(site):
    home = _page(site, "index.html", "/")
    limited = candidate_links(home, GUANGDONG_PLATFORM, limit=2)
    assert [c.name for c in limited] == ["连州要闻", "政务要闻"]


def test_links_to_one_page_are_one_candidate_named_by_the_menu():
    page = render_home(
        "某县人民政府门户网站",
        columns=[("本县要闻", "/xw/bxyw/index.html")],
        nav=[("新闻", "/xw/bxyw/")],
        extra_links=[("政策", "/zc/202403/t20240315_123.html"), ("附件", "/a.pdf")],
    )
    home = HtmlResponse(BASE + "/", body=page.encode())
    candidates = candidate_links(home, GUANGDONG_PLATFORM)
    # /xw/bxyw/ and /xw/bxyw/index.html are one page; a TRS article and a
    # file are no column.
    assert [(c.name, c.via) for c in candidates] == [("新闻", MORE)]


def test_home_pages_are_not_listings_and_column_pages_are(site):
    home = _page(site, "index.html", "/")
    # Three headline blocks of four stories (the focus story repeats one).
    assert main_list(home, _is_article) == (4, 12)
    assert not is_listing_page(home, _is_article)
    # The mirror's home, path for path the portal's, is no listing by its
    # markup alone (it is not at the site root).
    mirror = _page(site, "mirror/index.html", "/mirror/")
    assert not is_listing_page(mirror, _is_article, start=True)
    for path, links in (
        ("zwgk/lzyw/index.html", 12),
        ("zwgk/zwyw/index_3.html", 2),  # 22 stories, 10 a page
        ("mirror/zwgk/lzyw/index.html", 3),
    ):
        page = _page(site, path)
        assert main_list(page, _is_article) == (links, links), path
        assert is_listing_page(page, _is_article), path
    assert not is_listing_page(_page(site, "zjlz/index.html"), _is_article)
    assert not is_listing_page(_page(site, "search/index.html"), _is_article)


def test_a_start_page_at_the_site_root_is_a_home_page_whatever_it_lists(site):
    page = (site / "zwgk/lzyw/index.html").read_bytes()
    at_root = HtmlResponse(BASE + "/index.html", body=page)
    assert is_listing_page(at_root, _is_article)
    assert not is_listing_page(at_root, _is_article, start=True)


def test_a_page_without_article_links_is_a_listing_only_if_its_extractor_read_entries():
    page = HtmlResponse(
        BASE + "/col/col1/index.html", body=b"<html><body></body></html>"
    )
    assert not is_listing_page(page, _is_article)
    assert is_listing_page(page, _is_article, listed=15)


def _gov_cases():
    cases = json.loads((FIXTURES / "gov/listings.json").read_text(encoding="utf-8"))
    return {case["url"]: case for case in cases if case["url"]}


# Same-site article links counted by hand on each page (listings.json notes):
# drc.gd: 20 in the main list, 5 more /content/post_ links in its side
# column; pingtan: 15 static groups of 5; nfj.nea: 15 items, the first off-site.
_GOV_LISTINGS = {
    "https://drc.gd.gov.cn/ywtz/index.html": (20, 25),
    "https://www.pingtan.gov.cn/zwgk/ghxx/gzjzqk/": (75, 75),
    "https://nfj.nea.gov.cn/xwzx/tzgg/": (14, 14),
}


@pytest.mark.parametrize("url", sorted(_GOV_LISTINGS))
def test_real_listing_pages_are_listings(url):
    case = _gov_cases()[url]
    page = HtmlResponse(url, body=(GOV_PAGES / case["page"]).read_bytes())

    def is_article(link: str) -> bool:  # the platform's, TRS's documents
        return _is_article(link) or bool(re.search(r"/t\d{8}_\d+\.html?$", link))

    assert main_list(page, is_article) == _GOV_LISTINGS[url]
    assert is_listing_page(page, is_article, start=True)


def test_columns_filter_bad_regex_is_one_clear_line():
    assert compile_columns_filter(None) is None and compile_columns_filter("") is None
    assert compile_columns_filter("要闻|动态").search("连州要闻")
    with pytest.raises(
        ValueError, match=r"^columns: '\[要闻' is not a regular expression"
    ):
        compile_columns_filter("[要闻")


# --- the state remembers what discovery found --------------------------------

COLUMNS = [
    {"name": "连州要闻", "path": "/zwgk/lzyw/"},
    {"name": "政务要闻", "path": "/zwgk/zwyw/"},
]


def test_discovered_columns_are_due_after_the_interval():
    found = Discovered(COLUMNS, datetime.now(UTC) - timedelta(days=3))
    assert not found.due(timedelta(days=7))
    assert found.due(timedelta(days=3))
    assert found.due(timedelta(0))


def test_sqlite_store_remembers_discovered_columns_across_runs(tmp_path):
    store = StateStore(tmp_path, "lianzhou")
    try:
        assert store.discovered_columns("/") is None
        store.remember_columns("/", COLUMNS)
    finally:
        store.close()
    again = StateStore(tmp_path, "lianzhou")
    try:
        found = again.discovered_columns("/")
        assert found.columns == COLUMNS
        assert datetime.now(UTC) - found.discovered_at < timedelta(minutes=1)
        assert again.discovered_columns("/mirror/") is None
        again.remember_columns("/", COLUMNS[:1])  # discovery ran again
        assert again.discovered_columns("/").columns == COLUMNS[:1]
    finally:
        again.close()


def test_redis_store_remembers_discovered_columns_for_the_fleet():
    url = os.environ.get("LIANZHOU_TEST_REDIS_URL")
    if not url:
        pytest.skip("LIANZHOU_TEST_REDIS_URL is not set")
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        store = _redis_store(url)
        assert store.discovered_columns("/") is None
        store.remember_columns("/", COLUMNS)
        other = _redis_store(url)  # another worker
        found = other.discovered_columns("/")
        assert found.columns == COLUMNS
        assert datetime.now(UTC) - found.discovered_at < timedelta(minutes=1)
    finally:
        client.flushdb()
