"""Golden listing pages of other CMS families: the real pages labelled in
``tests/fixtures/gov/listings.json`` (expected values read off each page by
hand), through ``extract_listing`` with the family's scheme.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urljoin

import pytest
from scrapy.http import HtmlResponse, XmlResponse

from lianzhou_news.extract import extract_listing
from lianzhou_news.schemes import GENERIC, GUANGDONG_PLATFORM, HANWEB, TRS_WCM

CORPUS = Path("/work/shared/corpus/gov-pages")
LABELS = {
    case["page"]: case
    for case in json.loads(
        (Path(__file__).parent / "fixtures/gov/listings.json").read_text("utf-8")
    )
}
# The Gansu page has no URL in pages.jsonl: its own column's, as its links say.
GANSU_URL = "https://jyt.gansu.gov.cn/jyt/c110634/index.shtml"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no gov-pages corpus")


def _page(key: str, scheme):
    case = next(c for page, c in LABELS.items() if key in page)
    url = case["url"] or GANSU_URL
    response = HtmlResponse(
        url=url, body=(CORPUS / case["page"]).read_bytes(), encoding="utf-8"
    )
    return case, url, extract_listing(response, scheme=scheme)


def _ends(case, url, listing, ends=("first", "last")):
    """The labelled first and last items are the listing's."""
    base = "https://www.mnd.gov.tw/" if "mnd.gov.tw" in url else url  # <base href="/">
    for end in ends:
        index = 0 if end == "first" else -1
        entry, label = listing.entries[index], case[end]
        assert entry.url == urljoin(base, label["href"])
        assert entry.title == label["title"]
        assert entry.date == label["date"]


def test_trs_pager_script_and_relative_links():
    case, url, listing = _page("nf-list.html", TRS_WCM)
    # 15 items, the first on www.nea.gov.cn: off-site, dropped before any request.
    assert len(listing.entries) == case["article_count"] - 1 == 14
    assert all(
        e.url.startswith("https://nfj.nea.gov.cn/xwzx/tzgg/20") for e in listing.entries
    )
    assert listing.entries[0].article_id == "t20260921_309284"  # the nf-detail article
    # The <a> wraps title and date spans: the title is the title alone.
    _ends(case, url, listing, ends=("last",))
    assert (
        listing.entries[0].title == "国家能源局南方监管局行政许可通告（2026年第33期）"
    )
    # document.write pager: countPage = Number("34"); page 2 is index_1.html.
    assert listing.total_pages == case["pagination"]["total_pages"] == 34
    assert TRS_WCM.next_page_url(url, 2, listing.pager_url) == urljoin(
        url, case["pagination"]["next"]
    )
    assert TRS_WCM.listing_page_url(url, 34) == url + "index_33.html"
    assert listing.channel == "通知公示"


def test_trs_static_list_with_other_channels():
    case, url, listing = _page("pingtan", TRS_WCM)
    assert len(listing.entries) == case["article_count"] == 75
    _ends(case, url, listing)
    ids = [e.article_id for e in listing.entries]
    assert "t20230329_45634" in ids and len(set(ids)) == 75
    # 3 items live in other channels of the same site: kept (same host).
    elsewhere = [e for e in listing.entries if "/ghxx/gzjzqk/" not in e.url]
    assert len(elsewhere) == 3
    # The pager is an API's (recordCount 107 over /fjdzapp/search): no static page 2.
    assert listing.total_pages is None and listing.page_numbers == set()


def test_hanweb_jpaas_list_data_json():
    case, url, listing = _page("debug_page_1.html", HANWEB)
    # No <a> in the list: the 50 records of the inline var listData.
    assert len(listing.entries) == case["article_count"] == 50
    _ends(case, url, listing)
    assert listing.entries[0].article_id == "content_1951206363677671424"
    assert listing.declared_items == case["pagination"]["total_items"] == 444
    assert listing.channel == "政策法规解读· 以案释法"


def test_gd_platform_page_script_cap():
    case, _, listing = _page("gd-list.html", GUANGDONG_PLATFORM)
    main = listing.entries[: case["article_count"]]
    assert main[0].url == case["first"]["href"]
    assert main[-1].url == case["last"]["href"]
    assert all(e.date for e in main)
    # The other 5 are the left column's links to 委管局/直属单位 pages (no date):
    # the platform scheme cannot tell them from articles, the generic rule can.
    assert len(listing.entries) == 25
    assert not any(e.date for e in listing.entries[20:])
    assert (
        listing.declared_items == 1071
    )  # Math.ceil(1071/20) = 54, pages_limit ignored
    assert listing.total_pages == 54
    assert listing.page_numbers == {1, 2, 3, 4, 5, 20}
    assert listing.pager_url == case["pagination"]["next"]


def test_generic_rule_finds_the_main_list_of_gd_list():
    case, url, listing = _page("gd-list.html", GENERIC)
    assert len(listing.entries) == case["article_count"] == 20
    _ends(case, url, listing)


def test_generic_gansu_list_inside_a_comment():
    case, url, listing = _page("甘肃省/1.html", GENERIC)
    # The live DOM's list is empty; the saved page keeps its 20 items in a comment.
    assert len(listing.entries) == case["article_count"] == 20
    _ends(case, url, listing)
    assert listing.entries[0].article_id == "174240943"
    # createPageHTML('page_div', 10, 1, 'zwgklist', 'shtml', 200), in the comment too.
    assert (listing.total_pages, listing.declared_items) == (10, 200)


def test_generic_roc_dates_and_path_pager():
    case, url, listing = _page("list_page.html", GENERIC)
    assert len(listing.entries) == case["article_count"] == 9
    _ends(case, url, listing)  # 115.03.19 is 2026-03-19; views not in the title
    assert listing.entries[0].article_id == "86346"
    assert {2, 3, 11, 201} <= listing.page_numbers
    assert GENERIC.next_page_url(url, 2, listing.pager_url) == urljoin(
        url, case["pagination"]["next"]
    )


HANWEB_COLUMN = "http://county.test/col/col60085/index.html"
HANWEB_PAGE = """<html><head><title>本县要闻_某县人民政府</title></head><body>
<div id="4451"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&webid=3&path=/&columnid=60085&unitid=4451&permissiontype=0"></a>]]></nextgroup>
<recordset>
<record><![CDATA[<li><a href="/art/2024/10/14/art_60085_11394426.html" title="第一篇">第一篇</a><span>2024-10-14</span></li>]]></record>
<record><![CDATA[<li><a href="/art/2024/10/9/art_60085_11394001.html" title="第二篇">第二篇</a><span>2024-10-09</span></li>]]></record>
</recordset></datastore></script></div>
<script>var pageview = {totalRecord: 35, perpage:2};</script>
<totalrecord>35</totalrecord></body></html>"""


def test_hanweb_datastore_records_and_dataproxy_pages():
    listing = extract_listing(
        HtmlResponse(url=HANWEB_COLUMN, body=HANWEB_PAGE.encode(), encoding="utf-8"),
        scheme=HANWEB,
    )
    assert [(e.article_id, e.title, e.date) for e in listing.entries] == [
        ("art_60085_11394426", "第一篇", "2024-10-14"),
        ("art_60085_11394001", "第二篇", "2024-10-09"),
    ]
    assert (listing.declared_items, listing.total_pages) == (35, 18)
    second = HANWEB.next_page_url(HANWEB_COLUMN, 2, listing.pager_url)
    assert second == (
        "http://county.test/module/web/jpage/dataproxy.jsp?webid=3&path=%2F"
        "&columnid=60085&unitid=4451&permissiontype=0&startrecord=3&endrecord=4&perpage=2"
    )
    assert HANWEB.page_number(second) == 2
    assert HANWEB.column(second) == HANWEB.column(HANWEB_COLUMN)
    answer = extract_listing(
        XmlResponse(
            url=second,
            body=b"<?xml version='1.0' encoding='UTF-8'?><datastore><totalrecord>35</totalrecord>"
            b"<recordset><record><![CDATA[<li><a href='/art/2024/9/30/art_60085_11393000.html'>"
            b"\xe7\xac\xac\xe4\xb8\x89\xe7\xaf\x87</a><span>2024-09-30</span></li>]]></record></recordset></datastore>",
        ),
        scheme=HANWEB,
    )
    assert [(e.url, e.title, e.date) for e in answer.entries] == [
        (
            "http://county.test/art/2024/9/30/art_60085_11393000.html",
            "第三篇",
            "2024-09-30",
        )
    ]
    # The answer prints no pager script: its perpage is its own URL's.
    assert (answer.declared_items, answer.total_pages) == (35, 18)
    assert HANWEB.next_page_url(second, 3, answer.pager_url).endswith(
        "startrecord=5&endrecord=6&perpage=2"
    )
