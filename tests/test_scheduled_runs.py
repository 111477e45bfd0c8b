"""Scheduled runs over the local site on 127.0.0.1: remember, catch edits, lose nothing.

Every test runs the real `scrapy crawl` in a child process, with its state
directory and output under a fresh temporary folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from lianzhou_news.state import StateLocked, StateStore
from localsite import build_site, serve
from localsite.build import start_urls
from localsite.content import COLUMNS, demo_articles
from localsite.run import crawl_command

from .conftest import correct_article, crawl_local_site

COLUMN_COUNT = len(start_urls("http://x"))  # three columns and the mirror


def _lines(path: Path) -> list[dict]:
    """Every line of a run's file; a broken line fails the test."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), f"{path} ends with half a line"
    return [json.loads(line) for line in text.splitlines()]


def _interrupt_after(
    command, cwd, env, output: Path, lines: int, sig: int, timeout: float = 60
):
    """Start a crawl, wait until ``output`` holds ``lines`` lines, then send ``sig``."""
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if output.exists() and output.read_bytes().count(b"\n") >= lines:
            break
        time.sleep(0.05)
    process.send_signal(sig)
    process.wait(timeout=timeout)
    return process.returncode


def test_second_run_over_an_unchanged_site_is_cheap_and_silent(tmp_path):
    first = crawl_local_site(tmp_path, run_id="r1")
    assert first.returncode == 0, first.log[-2000:]
    assert len(first.items()) == 66
    assert {i["change"] for i in first.items()} == {"new"}
    assert {i["version"] for i in first.items()} == {1}

    second = crawl_local_site(tmp_path, run_id="r2", build=False)
    assert second.returncode == 0, second.log[-2000:]
    # Nothing new: no empty file left behind, and the report says there is none.
    assert not second.output.exists()
    assert sorted(p.name for p in second.output.parent.iterdir()) == [
        "r1.jsonl",
        "r1.report.json",
        "r2.report.json",
    ]
    report = second.report()
    assert report["items_file"] is None
    assert first.report()["items_file"] == "output/lianzhou/r1.jsonl"
    assert report["healthy"] is True
    assert second.log.rstrip().endswith(
        "lianzhou: 0 articles written (no file written) (0 failed,"
        f" listing pages {report['requests']['listing']}, duplicates dropped 0,"
        " invalid dropped 0, finish reason finished): healthy"
    )
    assert report["requests"]["listing"] <= 2 * COLUMN_COUNT
    assert report["requests"]["article"] == 0
    # Checked on the server too: at most two listing pages per column, robots.txt.
    listing_hits = [
        h for h in second.hits if "/content/" not in h.path and h.path != "/robots.txt"
    ]
    assert len(listing_hits) <= 2 * COLUMN_COUNT
    assert [h.path for h in second.hits].count("/robots.txt") == 1
    assert len(second.hits) == len(listing_hits) + 1


def test_an_edited_article_comes_back_as_version_2(tmp_path):
    first = crawl_local_site(tmp_path, run_id="r1")
    assert first.returncode == 0
    target = next(a for a in first.articles if a.column == "bmdt")
    original = correct_article(tmp_path / "site", target)

    second = crawl_local_site(
        tmp_path, run_id="r2", build=False, extra_args=["-a", "full=1"]
    )
    assert second.returncode == 0, second.log[-2000:]
    items = second.items()
    assert [(i["article_id"], i["version"], i["change"]) for i in items] == [
        (target.article_id, 2, "updated")
    ]
    assert items[0]["body"].startswith(original + "（记者 更正）")
    report = second.report()
    assert (
        report["items"]["unchanged"] >= 60
    )  # everything else was fetched and compared


def test_two_new_articles_are_exactly_what_the_next_run_emits(tmp_path):
    first = crawl_local_site(tmp_path, run_id="r1")
    assert first.returncode == 0
    articles = demo_articles()
    template = next(a for a in articles if a.column == "lzyw" and not a.mirrored)
    added = [
        dataclasses.replace(
            template,
            article_id=article_id,
            title=f"{template.title}（续{n}）",
            published=f"2026-11-2{n} 09:00:00",
            also_listed_in=(),
        )
        for n, article_id in ((5, "1800001"), (6, "1800002"))
    ]
    build_site(tmp_path / "site", articles=articles + added)

    second = crawl_local_site(tmp_path, run_id="r2", build=False)
    assert second.returncode == 0, second.log[-2000:]
    items = second.items()
    assert sorted((i["article_id"], i["version"], i["change"]) for i in items) == [
        ("1800001", 1, "new"),
        ("1800002", 1, "new"),
    ]
    assert second.report()["requests"]["listing"] <= 2 * COLUMN_COUNT


def test_killed_run_then_normal_run_holds_every_article_exactly_once(tmp_path):
    site_dir = tmp_path / "site"
    articles = build_site(site_dir)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
    with serve(site_dir) as site:
        urls = start_urls(site.base_url)
        slow = crawl_command(
            urls,
            run_id="killed",
            settings={"DOWNLOAD_DELAY": "0.05", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"},
        )
        killed_file = tmp_path / "output/lianzhou/killed.jsonl"
        status = _interrupt_after(
            slow, tmp_path, env, killed_file, 15, signal.SIGKILL, timeout=30
        )
        assert status == -signal.SIGKILL
        written_before = _lines(killed_file)
        assert 15 <= len(written_before) < len(articles), (
            "the kill came too late to test"
        )

        after = subprocess.run(
            crawl_command(urls, run_id="after"),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
    assert after.returncode == 0, after.stderr[-2000:]
    union = written_before + _lines(tmp_path / "output/lianzhou/after.jsonl")
    counts = Counter(item["article_id"] for item in union)
    assert set(counts) == {a.article_id for a in articles}
    assert max(counts.values()) == 1, [k for k, v in counts.items() if v > 1]


def test_a_resumed_jobdir_run_appends_to_its_own_file(tmp_path):
    site_dir = tmp_path / "site"
    articles = build_site(site_dir)
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
    with serve(site_dir) as site:
        command = crawl_command(
            start_urls(site.base_url),
            settings={
                "DOWNLOAD_DELAY": "0.05",
                "CONCURRENT_REQUESTS_PER_DOMAIN": "1",
                "JOBDIR": "job",
            },
        )
        output = tmp_path / "output/lianzhou/job-job.jsonl"
        _interrupt_after(
            command, tmp_path, env, output, 10, signal.SIGINT
        )  # graceful, as JOBDIR expects
        partial = len(_lines(output))
        assert partial < len(articles), "the stop came too late to test"

        resumed = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True
        )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    counts = Counter(item["article_id"] for item in _lines(output))
    assert set(counts) == {a.article_id for a in articles}
    assert max(counts.values()) == 1


@pytest.mark.parametrize("mode", ["412", "challenge"])
def test_a_blocked_site_fails_the_run_loudly(tmp_path, mode):
    crawl = crawl_local_site(tmp_path, run_id="blocked", blocked=mode)
    assert crawl.returncode == 3, crawl.log[-2000:]
    report = crawl.report()
    assert report["healthy"] is False
    assert any("blocked" in reason for reason in report["unhealthy_reasons"])
    assert report["errors"]["blocked"] >= 1
    assert "unhealthy run" in crawl.log


def test_two_runs_cannot_share_the_state(tmp_path):
    holder = StateStore(tmp_path / "state", "lianzhou")
    try:
        with pytest.raises(StateLocked, match="cannot overlap"):
            StateStore(tmp_path / "state", "lianzhou")
        crawl = crawl_local_site(tmp_path, run_id="second")
        assert crawl.returncode == 1
        assert "cannot overlap" in crawl.log
    finally:
        holder.close()
    # Released: the next run goes ahead.
    assert crawl_local_site(tmp_path, run_id="third").returncode == 0


def test_state_records_versions_and_columns(tmp_path):
    crawl = crawl_local_site(tmp_path, run_id="r1")
    assert crawl.returncode == 0
    store = StateStore(tmp_path / "state", "lianzhou")
    try:
        assert store.count() == 66
        known = store.known(crawl.articles[0].article_id)
        assert known.version == 1
        for column in COLUMNS.values():
            assert store.column_walked(f"{column.path}index.html")
    finally:
        store.close()


def test_crawl_command_exit_status_for_a_bad_argument(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "lianzhou",
            "-a",
            "full=yes",
            "-a",
            "start_urls=http://127.0.0.1:9/",
        ],
        cwd=tmp_path,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "full: expected 0 or 1" in result.stderr


def test_listings_without_article_links_fail_the_run(tmp_path):
    # The portal changed its listing markup: pages load, no article link is found.
    build_site(tmp_path / "site")
    for listing in (tmp_path / "site").rglob("index*.html"):
        listing.write_text(
            "<html><body><p>栏目改版中</p></body></html>", encoding="utf-8"
        )
    crawl = crawl_local_site(tmp_path, run_id="nolinks", build=False)
    assert crawl.returncode == 3, crawl.log[-2000:]
    reasons = crawl.report()["unhealthy_reasons"]
    assert any("no article links" in reason for reason in reasons), reasons


def test_articles_that_all_fail_fail_the_run_and_are_named(tmp_path):
    articles = build_site(tmp_path / "site")
    for page in (tmp_path / "site").rglob("post_*.html"):
        page.unlink()  # every article now answers 404
    crawl = crawl_local_site(tmp_path, run_id="gone", build=False)
    assert crawl.returncode == 3, crawl.log[-2000:]
    report = crawl.report()
    assert any("zero articles parsed" in r for r in report["unhealthy_reasons"])
    assert report["errors"]["4xx"] >= len(articles) - 5
    assert {f["reason"] for f in report["failed_articles"]} == {"404"}
    # Nothing was recorded, so the next run against a repaired site finds them all.
    repaired = crawl_local_site(tmp_path, run_id="repaired")
    assert repaired.returncode == 0
    assert len(repaired.items()) == len(articles)


def test_a_column_listing_fewer_articles_than_declared_is_unhealthy(tmp_path):
    build_site(tmp_path / "site")
    page = tmp_path / "site/zwgk/lzyw/index_2.html"
    html = page.read_text(encoding="utf-8")
    # Three list items vanish from page 2 (a broken template, a partial page).
    items = re.findall(
        r"<li><a href=\"/zwgk/lzyw/content/post_\d+\.html\".*?</li>", html
    )
    for item in items[:3]:
        html = html.replace(item, "")
    page.write_text(html, encoding="utf-8")
    crawl = crawl_local_site(tmp_path, run_id="short", build=False)
    assert crawl.returncode == 3, crawl.log[-2000:]
    reasons = crawl.report()["unhealthy_reasons"]
    assert any(
        "/zwgk/lzyw/index.html declares 28 articles, its pages list 25" in r
        for r in reasons
    ), reasons


def test_start_urls_that_all_fail_make_the_run_unhealthy(tmp_path):
    # A wrong guess of the live column paths must not look like a quiet run.
    crawl = crawl_local_site(
        tmp_path, run_id="wrong", paths=["/no/such/column/", "/nor/this/"]
    )
    assert crawl.returncode == 3, crawl.log[-2000:]
    reasons = crawl.report()["unhealthy_reasons"]
    assert any("no listing page could be read (2 requested)" in r for r in reasons), (
        reasons
    )


def test_an_article_whose_line_cannot_be_written_is_not_recorded(tmp_path):
    # The output folder cannot be made (a file is in its way): no line is
    # written, so no article may be recorded as seen, or the next run would
    # skip articles nobody ever received.
    (tmp_path / "blocked").write_text("not a folder")
    crawl = crawl_local_site(
        tmp_path,
        run_id="nowrite",
        extra_args=["-s", "LIANZHOU_OUTPUT_URI=blocked/%(run_id)s.jsonl"],
    )
    assert crawl.returncode == 3, crawl.log[-2000:]
    assert "could not be written to the feed" in crawl.log
    store = StateStore(tmp_path / "state", "lianzhou")
    try:
        assert store.count() == 0
    finally:
        store.close()
    report = json.loads(
        (tmp_path / "output" / "lianzhou" / "nowrite.report.json").read_text()
    )
    assert report["items"]["not_written"] == len(crawl.articles)


def test_a_template_that_loses_a_field_keeps_its_articles_and_fails_the_run(
    tmp_path,
):
    # The portal drops the publication time from every article page: the
    # articles are still emitted (schema 2), and field coverage fails the run.
    articles = build_site(tmp_path / "site")
    for page in (tmp_path / "site").rglob("post_*.html"):
        html = page.read_text(encoding="utf-8")
        page.write_text(
            re.sub(r"<span>发布时间：[^<]*</span>", "", html), encoding="utf-8"
        )
    crawl = crawl_local_site(tmp_path, run_id="notime", build=False)
    assert crawl.returncode == 3, crawl.log[-2000:]
    report = crawl.report()
    assert len(crawl.items()) == len(articles)
    untimed = [item for item in crawl.items() if item["timestamp"] is None]
    assert len(untimed) > len(articles) / 2  # the rest print a PubDate meta tag
    assert report["quality"]["timestamp:missing"] == len(untimed)
    assert report["field_coverage"]["timestamp"] < 0.9
    reasons = report["unhealthy_reasons"]
    assert any("timestamp" in reason for reason in reasons), reasons
