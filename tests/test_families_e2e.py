"""End to end on the two other CMS families: the offline TRS-style county
(青溪, ``localsite/trs.py``, spider ``qingxi``) and Hanweb-style county (石岭,
``localsite/hanweb.py``, spider ``shiling``), each crawled over real HTTP on
127.0.0.1 by its real spider, pipelines and feed export, from its column
listings. Every item is checked against the ``Article`` its page was made
from; reruns, new articles and a ``kill -9`` lose nothing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from lianzhou_news.items import schema_errors
from localsite import serve
from localsite.families import PER_PAGE, county_articles
from localsite.hanweb import (
    HANWEB_COLUMNS,
    HANWEB_SITE_NAME,
    build_hanweb_site,
    hanweb_start_urls,
)
from localsite.run import crawl_command, run_crawl
from localsite.trs import TRS_COLUMNS, TRS_SITE_NAME, build_trs_site, trs_start_urls

from .test_scheduled_runs import _interrupt_after, _lines


@dataclass(frozen=True)
class Family:
    spider: str
    site_name: str
    build: object
    start_urls: object
    columns: dict
    seed: int

    def articles(self):
        return county_articles(seed=self.seed)


FAMILIES = {
    "trs": Family("qingxi", TRS_SITE_NAME, build_trs_site, trs_start_urls, TRS_COLUMNS, 16),
    "hanweb": Family(
        "shiling", HANWEB_SITE_NAME, build_hanweb_site, hanweb_start_urls, HANWEB_COLUMNS, 17
    ),
}  # fmt: skip


@dataclass
class Run:
    returncode: int
    log: str
    items: list[dict]
    report: dict
    hits: list
    host: str


def _crawl(
    family: Family,
    workdir: Path,
    run_id: str,
    home: bool = False,
    port: int = 0,
    **settings,
) -> Run:
    """Crawl the county from its column listings, or (``home``) from its home
    page alone, the columns discovered there."""
    workdir.mkdir(parents=True, exist_ok=True)
    with serve(workdir / "site", port=port) as site:
        command = crawl_command(
            [site.base_url + "/"] if home else family.start_urls(site.base_url),
            spider=family.spider,
            run_id=run_id,
            settings=settings,
        )
        result = run_crawl(command, workdir, timeout=240)
    output = workdir / "output" / family.spider / f"{run_id}.jsonl"
    report = output.with_name(f"{run_id}.report.json")
    return Run(
        result.returncode,
        result.stderr,
        _lines(output),
        json.loads(report.read_text("utf-8")) if report.exists() else {},
        list(site.hits),
        site.base_url.removeprefix("http://"),
    )


def _publish_two_articles(family: Family, site_dir: Path, articles) -> set[str]:
    """Rebuild the county with two new articles at the top of 要闻; their ids."""
    template = next(a for a in articles if a.column == "lzyw")
    added = [
        dataclasses.replace(
            template, article_id=article_id, title=f"{template.title}（续{n}）",
            published=f"2026-11-2{n} 09:00:00",
        )
        for n, article_id in ((5, "1800001"), (6, "1800002"))
    ]  # fmt: skip
    truth = family.build(site_dir, articles + added)
    return {t.item_id for t in truth if t.article.article_id in ("1800001", "1800002")}


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def full_crawl(request, tmp_path_factory):
    family = FAMILIES[request.param]
    workdir = tmp_path_factory.mktemp(request.param)
    truth = family.build(workdir / "site", family.articles())
    run = _crawl(family, workdir, "full")
    assert run.returncode == 0, run.log[-3000:]
    return family, truth, run


def test_every_article_exactly_once(full_crawl):
    _, truth, run = full_crawl
    ids = [item["article_id"] for item in run.items]
    assert len(ids) == len(set(ids)) == len(truth) == 42
    assert set(ids) == {t.item_id for t in truth}
    assert run.report["healthy"] is True


def test_every_field_is_the_page_s(full_crawl):
    _check_fields(*full_crawl)


def _check_fields(family, truth, run):
    by_id = {t.item_id: t for t in truth}
    for item in run.items:
        made = by_id[item["article_id"]]
        article = made.article
        assert schema_errors(item) == [], item["url"]
        assert item["url"] == f"http://{run.host}{made.path}"
        assert item["site"] == family.site_name
        assert item["channel"] == made.column.name
        assert item["title"] == article.title
        assert item["source"] == article.source
        assert item["timestamp"] == article.published.replace(" ", "T") + "+08:00"
        assert item["timestamp_precision"] == "second"
        assert item["body"] == "\n".join(article.text_paragraphs)
        assert item["credits"] == article.all_credits
        assert len(item["images"]) == sum(
            1 for p in article.paragraphs if hasattr(p, "src")
        )
        assert item["lang"] == "zh-Hans"


def test_nothing_off_site_and_every_page_once(full_crawl):
    family, truth, run = full_crawl
    assert {hit.host for hit in run.hits} == {run.host}
    assert all(hit.status == 200 for hit in run.hits)
    paths = [hit.path for hit in run.hits]
    assert len(paths) == len(set(paths))
    assert not any("mp.weixin" in p or p.startswith("/art/2024/1/4/") for p in paths)
    listings = [
        p for p in paths if p != "/robots.txt" and p not in {t.path for t in truth}
    ]
    # 14 articles a column, 5 a page: three listing pages per column.
    per_column = -(-14 // PER_PAGE)
    assert len(listings) == per_column * len(family.columns), listings
    assert Counter(t.column.key for t in truth) == {"lzyw": 14, "zwyw": 14, "bmdt": 14}
    proxy = sorted(p for p in paths if "dataproxy.jsp" in p)
    if family.spider == "shiling":  # Hanweb: pages 2 and 3 from the dataproxy
        assert len(proxy) == 2 * len(family.columns)
        assert all("unitid=" in p and "webid=3" in p for p in proxy)
        assert sum("startrecord=11&endrecord=15&perpage=5" in p for p in proxy) == 3
    else:
        assert proxy == []


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_from_the_home_page_alone(name, tmp_path):
    """The first-day path: only the home page given, the columns discovered
    there; every article once with every field right, nothing off-site."""
    family = FAMILIES[name]
    truth = family.build(tmp_path / "site", family.articles())
    run = _crawl(family, tmp_path, "home", home=True)
    assert run.returncode == 0, run.log[-3000:]
    assert run.report["healthy"] is True
    ids = [item["article_id"] for item in run.items]
    assert len(ids) == len(set(ids)) == len(truth) == 42
    assert set(ids) == {t.item_id for t in truth}
    _check_fields(family, truth, run)
    assert {hit.host for hit in run.hits} == {run.host}
    article_paths = [h.path for h in run.hits if h.path in {t.path for t in truth}]
    assert len(article_paths) == len(set(article_paths)) == 42
    found = {c["name"] for c in run.report["columns"]}
    assert found == {c.name for c in family.columns.values()}, run.report["columns"]


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_conditional_reruns_on_each_family(name, tmp_path):
    """Same host and port every run, as a real portal: an unchanged county
    costs 304s only; new articles still come out (the listing changed, so
    it answers 200), through Hanweb's dataproxy pages too."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    family = FAMILIES[name]
    articles = family.articles()
    family.build(tmp_path / "site", articles)
    first = _crawl(family, tmp_path, "r1", port=port)
    assert first.returncode == 0, first.log[-2000:]
    assert len(first.items) == 42

    second = _crawl(family, tmp_path, "r2", port=port)
    assert second.returncode == 0, second.log[-2000:]
    assert second.items == []
    listing_hits = [h for h in second.hits if h.path != "/robots.txt"]
    # Listing files answer 304. Hanweb's dataproxy answers are made per
    # request and carry no validators, as a real one's: the revisit of page 2
    # costs one full answer per column.
    files = [h for h in listing_hits if "dataproxy.jsp" not in h.path]
    proxy = [h for h in listing_hits if "dataproxy.jsp" in h.path]
    assert len(files) == len(family.columns), listing_hits
    assert {h.status for h in files} == {304}, listing_hits
    assert len(proxy) == (len(family.columns) if name == "hanweb" else 0), proxy
    assert second.report["conditional"]["not_modified_listing"] == len(files)
    assert second.report["healthy"] is True

    new_ids = _publish_two_articles(family, tmp_path / "site", articles)
    third = _crawl(family, tmp_path, "r3", port=port)
    assert third.returncode == 0, third.log[-2000:]
    assert sorted(i["article_id"] for i in third.items) == sorted(new_ids)


def test_hanweb_dataproxy_answers_post(tmp_path):
    import urllib.request

    build_hanweb_site(tmp_path / "site", county_articles(seed=17))
    with serve(tmp_path / "site") as site:
        form = b"columnid=60086&unitid=5086&webid=3&startrecord=1&endrecord=2"
        request = urllib.request.Request(
            site.base_url + "/module/web/jpage/dataproxy.jsp?perpage=2", data=form
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            body = answer.read().decode("utf-8")
            kind = answer.headers["Content-Type"]
    assert kind.startswith("text/xml")
    assert body.count("<record>") == 2 and "<totalrecord>14</totalrecord>" in body


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_reruns_emit_only_what_is_new(name, tmp_path):
    family = FAMILIES[name]
    articles = family.articles()
    family.build(tmp_path / "site", articles)
    first = _crawl(family, tmp_path, "r1")
    assert first.returncode == 0, first.log[-2000:]
    assert len(first.items) == 42

    second = _crawl(family, tmp_path, "r2")
    assert second.returncode == 0, second.log[-2000:]
    assert second.items == []
    assert second.report["requests"]["article"] == 0
    assert second.report["requests"]["listing"] <= 2 * len(family.columns)

    new_ids = _publish_two_articles(family, tmp_path / "site", articles)
    third = _crawl(family, tmp_path, "r3")
    assert third.returncode == 0, third.log[-2000:]
    assert sorted((i["article_id"], i["change"]) for i in third.items) == sorted(
        (i, "new") for i in new_ids
    )
    assert third.report["requests"]["listing"] <= 2 * len(family.columns)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_kill_9_then_rerun_loses_nothing(name, tmp_path):
    family = FAMILIES[name]
    truth = family.build(tmp_path / "site", family.articles())
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
    with serve(tmp_path / "site") as site:
        urls = family.start_urls(site.base_url)
        slow = crawl_command(
            urls,
            spider=family.spider,
            run_id="killed",
            settings={"DOWNLOAD_DELAY": "0.05", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"},
        )
        killed_file = tmp_path / f"output/{family.spider}/killed.jsonl"
        status = _interrupt_after(
            slow, tmp_path, env, killed_file, 10, signal.SIGKILL, timeout=30
        )
        assert status == -signal.SIGKILL
        before = _lines(killed_file)
        assert 10 <= len(before) < len(truth), "the kill came too late to test"
        after = subprocess.run(
            crawl_command(urls, spider=family.spider, run_id="after"),
            cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
    assert after.returncode == 0, after.stderr[-2000:]
    union = before + _lines(tmp_path / f"output/{family.spider}/after.jsonl")
    counts = Counter(item["article_id"] for item in union)
    assert set(counts) == {t.item_id for t in truth}
    assert max(counts.values()) == 1


@pytest.mark.parametrize(
    ("name", "detected"),
    [("trs", "TRS_WCM"), ("hanweb", "HANWEB"), ("gd", "GUANGDONG_PLATFORM")],
)
def test_a_spider_without_a_family_detects_it(name, detected, tmp_path, monkeypatch):
    # The test spider lives in tests/.
    root = str(Path(__file__).resolve().parent.parent)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])
    )
    if name == "gd":
        from localsite import build_site
        from localsite.build import start_urls

        articles = build_site(tmp_path / "site")
        expected = {a.article_id for a in articles if not a.also_listed_in}
        paths = [
            url.removeprefix("http://x") for url in start_urls("http://x", mirror=False)
        ]
    else:
        family = FAMILIES[name]
        truth = family.build(tmp_path / "site", family.articles())
        expected = {t.item_id for t in truth}
        paths = [url.removeprefix("http://x") for url in family.start_urls("http://x")]
    with serve(tmp_path / "site") as site:
        command = crawl_command(
            [site.base_url + path for path in paths],
            spider="county_auto",
            run_id="auto",
            settings={"SPIDER_MODULES": "lianzhou_news.spiders,tests.auto_spider"},
        )
        result = run_crawl(command, tmp_path, timeout=240)
    assert f"URL scheme detected from {site.base_url}" in result.stderr
    assert f": {detected}\n" in result.stderr
    items = _lines(tmp_path / "output/county_auto/auto.jsonl")
    ids = [item["article_id"] for item in items]
    assert len(ids) == len(set(ids))
    assert expected <= set(ids), sorted(expected - set(ids))[:5]
