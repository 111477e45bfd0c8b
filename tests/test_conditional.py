"""Conditional refetches: validators kept per URL, sent back on revisits, and 304s that cost nothing and lose nothing.

The end-to-end tests serve the offline site on one port for every run, as a
real portal keeps its host name: validators are kept per URL.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import urllib.request
from collections import Counter
from email.utils import formatdate
from urllib.error import HTTPError

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from lianzhou_news.conditional import (
    ASK,
    RECEIVED,
    SENT,
    ConditionalRequests,
    Validators,
    listing_from_json,
    listing_to_json,
    validators_of,
)
from lianzhou_news.extract.listing import Listing, ListingEntry
from lianzhou_news.run import RunContext
from lianzhou_news.spiders.lianzhou import LianzhouSpider
from lianzhou_news.state import StateStore
from localsite import build_site, serve
from localsite.build import article_path, start_urls
from localsite.run import crawl_command
from localsite.server import Fault

from .conftest import correct_article, crawl_local_site

COLUMN_COUNT = len(start_urls("http://x"))  # three columns and the mirror


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --- the pieces ---------------------------------------------------------------


def _response(headers: dict) -> Response:
    return Response("http://h/a.html", headers=headers)


def test_validators_are_read_from_the_response_headers():
    got = validators_of(
        _response({"ETag": '"abc"', "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"})
    )
    assert got == Validators('"abc"', "Tue, 01 Dec 2026 10:00:00 GMT")
    assert got.headers() == {
        "If-None-Match": '"abc"',
        "If-Modified-Since": "Tue, 01 Dec 2026 10:00:00 GMT",
    }
    assert validators_of(_response({})) is None


@pytest.mark.parametrize(
    "etag", ['"a\x01b"', '"' + "x" * 300 + '"', "   ", '"caf\xe9"'.encode("latin-1")]
)
def test_a_hostile_validator_is_never_sent_back(etag):
    # Control characters, a huge value, blanks, non-ASCII: not a validator.
    assert validators_of(_response({"ETag": etag})) is None


def test_a_listing_round_trips_through_the_state():
    listing = Listing(
        entries=[
            ListingEntry("http://h/c/content/post_1.html", "1", "标题", "2026-11-02")
        ],
        total_pages=3,
        declared_items=41,
        page_numbers={2, 3},
        channel="连州要闻",
        # Hanweb: page 2 is the dataproxy link page 1 printed; a replayed
        # listing without it could not go on.
        pager_url="http://h/module/web/jpage/dataproxy.jsp?startrecord=6&perpage=5",
    )
    assert listing_from_json(listing_to_json(listing)) == listing


def test_the_sqlite_store_keeps_validators_per_url(tmp_path):
    store = StateStore(tmp_path, "s")
    try:
        assert store.validators("http://h/a") is None
        store.save_validators("http://h/a", Validators('"1"', None))
        store.save_validators("http://h/a", Validators('"2"', "d", "{}"))
        assert store.validators("http://h/a") == Validators('"2"', "d", "{}")
        assert store.validators("http://h/b") is None
    finally:
        store.close()


def _middleware(tmp_path, **settings):
    crawler = get_crawler(
        LianzhouSpider,
        {"LIANZHOU_STATE_DIR": str(tmp_path / "state"), **settings},
    )
    crawler.spider = crawler._create_spider()
    run = RunContext.of(crawler)
    return ConditionalRequests.from_crawler(crawler), run, crawler


def test_validators_go_only_on_requests_the_spider_marks(tmp_path):
    middleware, run, crawler = _middleware(tmp_path)
    try:
        run.store.save_validators("http://h/a", Validators('"e"', "lm"))
        asked = Request("http://h/a", meta={ASK: True, "lianzhou_kind": "article"})
        middleware.process_request(asked)
        assert asked.headers[b"If-None-Match"] == b'"e"'
        assert asked.headers[b"If-Modified-Since"] == b"lm"
        assert asked.meta[SENT] is True
        # A full walk (or a new article) does not ask: no validators.
        plain = Request("http://h/a", meta={ASK: False, "lianzhou_kind": "article"})
        middleware.process_request(plain)
        assert b"If-None-Match" not in plain.headers
        # A URL the state holds nothing for goes as it is, and says so.
        other = Request("http://h/b", meta={ASK: True, "lianzhou_kind": "article"})
        middleware.process_request(other)
        assert b"If-None-Match" not in other.headers and other.meta[SENT] is False
        assert crawler.stats.get_value("lianzhou/conditional/sent") == 1
    finally:
        run.store.close()


def test_an_articles_validators_wait_until_the_article_is_settled(tmp_path):
    """Saved at fetch time, a validator would outlive a run killed before the
    article's line was written, and the next run's 304 would lose it."""
    middleware, run, _crawler = _middleware(tmp_path)
    try:
        request = Request("http://h/a", meta={"lianzhou_kind": "article"})
        response = HtmlResponse(
            "http://h/a",
            body=b"<html></html>",
            headers={"ETag": '"v1"'},
            request=request,
        )
        middleware.process_response(request, response)
        # Plain JSON in meta: a fleet stores the request in Redis.
        assert request.meta[RECEIVED] == ['"v1"', None]
        assert run.store.validators("http://h/a") is None
        run.revalidation.settled("http://h/a")
        assert run.store.validators("http://h/a") == Validators('"v1"', None)
    finally:
        run.store.close()


def test_304s_are_counted_by_kind_and_an_unasked_one_apart(tmp_path):
    middleware, run, crawler = _middleware(tmp_path)
    try:
        for kind, sent in (("listing", True), ("article", True), ("article", False)):
            request = Request("http://h/x", meta={"lianzhou_kind": kind, SENT: sent})
            middleware.process_response(request, Response("http://h/x", status=304))
        stats = crawler.stats
        assert stats.get_value("lianzhou/conditional/not_modified") == 2
        assert stats.get_value("lianzhou/conditional/not_modified/listing") == 1
        assert stats.get_value("lianzhou/conditional/not_modified/article") == 1
        assert stats.get_value("lianzhou/conditional/unasked_304") == 1
    finally:
        run.store.close()


# --- the offline server ---------------------------------------------------------


def test_the_offline_server_honours_both_validators(tmp_path):
    site_dir = tmp_path / "site"
    articles = build_site(site_dir)
    path = article_path(articles[0])
    with serve(site_dir) as site:
        status, headers, body = _get(site.base_url + path)
        assert status == 200 and body
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert _get(site.base_url + path, {"If-None-Match": etag})[0] == 304
        assert _get(site.base_url + path, {"If-None-Match": '"other"'})[0] == 200
        assert _get(site.base_url + path, {"If-Modified-Since": modified})[0] == 304
        earlier = formatdate(0, usegmt=True)
        assert _get(site.base_url + path, {"If-Modified-Since": earlier})[0] == 200
        # If-None-Match decides when both are sent (RFC 9110 13.2.2).
        both = {"If-None-Match": '"other"', "If-Modified-Since": modified}
        assert _get(site.base_url + path, both)[0] == 200
        assert _get(site.base_url + path, {"If-Modified-Since": "garbage"})[0] == 200
    with serve(site_dir, conditional=False) as site:
        status, headers, _ = _get(site.base_url + path, {"If-None-Match": etag})
        assert status == 200 and "ETag" not in headers


# --- whole runs -------------------------------------------------------------------


def test_a_rerun_over_an_unchanged_site_costs_304s_and_emits_nothing(tmp_path):
    port = _free_port()
    first = crawl_local_site(tmp_path, run_id="r1", port=port)
    assert first.returncode == 0, first.log[-2000:]
    assert len(first.items()) == 66

    second = crawl_local_site(tmp_path, run_id="r2", build=False, port=port)
    assert second.returncode == 0, second.log[-2000:]
    assert second.items() == []
    report = second.report()
    assert report["healthy"] is True, report
    listing_hits = [
        h for h in second.hits if "/content/" not in h.path and h.path != "/robots.txt"
    ]
    # One listing request per column, its first page, with validators,
    # answered 304; the second revisited page follows from its saved links.
    # Except bmdt: its first page lists two articles no run can record (one
    # off-site, one robots.txt forbids), so its walk asks for page 2 as well,
    # as it would without validators.
    first_pages = ["/" + url.split("/", 3)[3] for url in start_urls("http://x")]
    assert sorted(h.path for h in listing_hits) == sorted(
        [*first_pages, "/zwgk/bmdt/index_2.html"]
    )
    assert {h.status for h in listing_hits} == {304}
    assert [h.path for h in second.hits].count("/robots.txt") == 1
    assert len(second.hits) == len(listing_hits) + 1  # no article refetched
    conditional = report["conditional"]
    assert conditional["not_modified"] == conditional["sent"] == len(listing_hits)
    # lzyw and zwyw: page 2 followed from the state, unasked (the mirror has
    # one page, bmdt asked).
    assert conditional["listing_replayed"] == 2


def test_refetched_articles_come_back_304_unless_edited(tmp_path):
    port = _free_port()
    first = crawl_local_site(tmp_path, run_id="r1", port=port)
    assert first.returncode == 0, first.log[-2000:]
    # The column's newest article: on its first listing page, which is revisited.
    target = max(
        (a for a in first.articles if a.column == "bmdt" and not a.mirrored),
        key=lambda a: a.published,
    )
    original = correct_article(tmp_path / "site", target)

    # Every article on the revisited pages is due for a refetch.
    refetch = ["-s", "LIANZHOU_REFETCH_AFTER_DAYS=0"]
    second = crawl_local_site(
        tmp_path, run_id="r2", build=False, port=port, extra_args=refetch
    )
    assert second.returncode == 0, second.log[-2000:]
    items = second.items()
    assert [(i["article_id"], i["version"], i["change"]) for i in items] == [
        (target.article_id, 2, "updated")
    ]
    assert items[0]["body"].startswith(original + "（记者 更正）")
    article_hits = [h for h in second.hits if "/content/" in h.path]
    statuses = Counter(h.status for h in article_hits)
    # Whole again: the edited page, and copies the first run dropped as
    # duplicates (a mirror's, a second listing's), whose validators were
    # never settled. Every other page the first run emitted came back 304.
    emitted = {"/" + i["url"].split("/", 3)[3] for i in first.items()}
    edited = article_path(target)
    by_path = {h.path: h.status for h in article_hits}
    assert by_path[edited] == 200
    assert {p: s for p, s in by_path.items() if p in emitted and p != edited} == {
        p: 304 for p in by_path if p in emitted and p != edited
    }
    assert all(p not in emitted for p, s in by_path.items() if s == 200 and p != edited)
    assert statuses[304] >= 20 and set(statuses) == {200, 304}
    # Page 2 of lzyw was not asked for (page 1 answered 304), yet its
    # articles were refetched from its saved links: an edit there shows too.
    assert "/zwgk/lzyw/index_2.html" not in {h.path for h in second.hits}
    page_two = (tmp_path / "site/zwgk/lzyw/index_2.html").read_text()
    on_page_two = set(re.findall(r"/zwgk/lzyw/content/post_\d+\.html", page_two))
    on_page_two.discard("/zwgk/lzyw/content/post_1600001.html")  # off-site
    assert on_page_two and on_page_two <= set(by_path)
    report = second.report()
    assert report["conditional"]["not_modified_article"] == statuses[304]
    assert report["healthy"] is True


def test_an_unasked_304_is_a_named_failure_and_the_next_run_gets_the_article(
    tmp_path,
):
    """A server that answers 304 to a first fetch has given no article: it is
    a failed article like a 500 (counted, named, fetched again next run),
    never an unchanged one."""
    site_dir = tmp_path / "site"
    articles = build_site(site_dir)
    target = next(a for a in articles if not a.mirrored and not a.also_listed_in)
    path = article_path(target)
    port = _free_port()
    crawl = crawl_local_site(
        tmp_path,
        run_id="r1",
        build=False,
        site_dir=site_dir,
        port=port,
        faults={path: Fault("status", status=304)},
    )
    assert [h.status for h in crawl.hits if h.path == path] == [304]
    report = crawl.report()
    assert report["conditional"]["unasked_304"] == 1
    failed = report["failed_articles"]
    assert [(f["url"].split("/", 3)[3], f["reason"]) for f in failed] == [
        (path.lstrip("/"), "304 Not Modified to a request without validators")
    ]
    assert target.article_id not in {i["article_id"] for i in crawl.items()}

    again = crawl_local_site(
        tmp_path, run_id="r2", build=False, site_dir=site_dir, port=port
    )
    assert again.returncode == 0, again.log[-2000:]
    assert [i["article_id"] for i in again.items()] == [target.article_id]


def test_a_killed_run_leaves_no_validator_that_hides_an_article(tmp_path):
    site_dir = tmp_path / "site"
    articles = build_site(site_dir)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
    port = _free_port()
    output = tmp_path / "output/lianzhou"
    with serve(site_dir, port=port) as site:
        urls = start_urls(site.base_url)
        slow = crawl_command(
            urls,
            run_id="killed",
            settings={"DOWNLOAD_DELAY": "0.05", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"},
        )
        process = subprocess.Popen(
            slow,
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        killed_file = output / "killed.jsonl"
        while not (
            killed_file.exists() and killed_file.read_bytes().count(b"\n") >= 15
        ):
            assert process.poll() is None, "the crawl ended before the kill"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        before = [json.loads(line) for line in killed_file.read_text().splitlines()]
        assert 15 <= len(before) < len(articles), "the kill came too late to test"
        # The rerun refetches everything listed on revisited pages: with a
        # validator saved too early, an unwritten article would come back 304.
        after = subprocess.run(
            crawl_command(
                urls, run_id="after", settings={"LIANZHOU_REFETCH_AFTER_DAYS": "0"}
            ),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
    assert after.returncode == 0, after.stderr[-2000:]
    lines = (output / "after.jsonl").read_text().splitlines()
    union = before + [json.loads(line) for line in lines]
    counts = Counter(item["article_id"] for item in union)
    assert set(counts) == {a.article_id for a in articles}
    assert max(counts.values()) == 1
