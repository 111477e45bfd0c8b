"""End to end from the home page alone: the real spider over real HTTP on
127.0.0.1 discovers the offline county's columns and crawls them, and the
``scrapy columns`` command prints them without crawling.

Expected columns and counts come from ``localsite/content.py`` (the site's
ground truth), never from an earlier run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from localsite import build_site, serve
from localsite.build import DEAD_PATHS, ROBOTS_FORBIDDEN_PATH
from localsite.content import COLUMNS
from localsite.run import LOCAL_SITE_SETTINGS

from . import test_crawl_e2e as e2e
from .conftest import crawl_local_site


#: Each column's article links over all its listing pages: its own stories,
#: those cross-listed in it, and on 部门动态 the link robots.txt forbids.
def _listed(articles, key: str) -> int:
    own = sum(1 for a in articles if a.column == key)
    crosslisted = sum(1 for a in articles if key in a.also_listed_in)
    return own + crosslisted + (1 if key == "bmdt" else 0)


@pytest.fixture(scope="module")
def home_crawl(tmp_path_factory):
    crawl = crawl_local_site(tmp_path_factory.mktemp("home"), paths=["/"])
    assert crawl.returncode == 0, crawl.log[-3000:]
    return crawl


def test_every_article_exactly_once_with_every_field_right(home_crawl):
    e2e.test_exact_set_of_articles(home_crawl)
    e2e.test_every_item_matches_the_page_it_was_made_from(home_crawl)
    e2e.test_every_item_satisfies_the_schema(home_crawl)
    e2e.test_articles_fetched_once_each(home_crawl)


def test_the_report_lists_each_column_with_its_article_count(home_crawl):
    report = home_crawl.report()
    assert report["healthy"], report["unhealthy_reasons"]
    base = f"http://{home_crawl.site_host}"
    assert report["columns"] == [
        {
            "name": column.name,
            "url": base + column.path,
            "via": "discovered",
            "articles": _listed(home_crawl.articles, column.key),
        }
        for column in COLUMNS.values()
    ]
    assert [c["articles"] for c in report["columns"]] == [28, 22, 19]


def test_pages_that_are_not_columns_are_skipped_without_harm(home_crawl):
    report = home_crawl.report()
    skipped = {
        entry["url"].removeprefix(f"http://{home_crawl.site_host}"): entry["reason"]
        for entry in report["discovery"]["skipped"]
    }
    assert skipped == {
        "/zjlz/": "lists no article",
        "/search/": "lists no article",
        "/mirror/": "not a listing (a page of blocks)",
        **{path: "404" for path in DEAD_PATHS},
    }
    assert report["failed_listings"] == [] and report["healthy"]
    # Each candidate was fetched once, and nothing under the dead links or
    # the about page beyond it.
    paths = [hit.path for hit in home_crawl.hits]
    for path in ["/", *skipped]:
        assert paths.count(path) == 1, path


def test_each_column_page_is_fetched_once_and_nothing_off_site(home_crawl):
    listing_hits = [
        hit.path
        for hit in home_crawl.hits
        if hit.path.startswith("/zwgk/") and "/content/" not in hit.path
    ]
    # Page 1 is read during discovery and walked from there, not fetched again.
    for column in COLUMNS.values():
        pages = [p for p in listing_hits if p.startswith(column.path)]
        assert sorted(pages) == [
            column.path,
            f"{column.path}index_2.html",
            f"{column.path}index_3.html",
        ]
    assert {hit.host for hit in home_crawl.hits} == {home_crawl.site_host}
    paths = [hit.path for hit in home_crawl.hits]
    assert ROBOTS_FORBIDDEN_PATH not in paths
    assert not any("mp.weixin" in path for path in paths)


def test_remembered_columns_until_the_interval_then_discovered_again(tmp_path):
    site_dir = tmp_path / "site"
    first = crawl_local_site(tmp_path, run_id="r1", paths=["/"], site_dir=site_dir)
    assert first.returncode == 0, first.log[-2000:]
    # Within the interval, the next run (on another port: columns are kept
    # by path) takes the columns from the state: the home page is not read.
    second = crawl_local_site(tmp_path, run_id="r2", paths=["/"], site_dir=site_dir)
    assert second.returncode == 0, second.log[-2000:]
    assert "/" not in [hit.path for hit in second.hits]
    report = second.report()
    assert [(c["name"], c["via"]) for c in report["columns"]] == [
        (column.name, "remembered") for column in COLUMNS.values()
    ]
    assert report["healthy"] and second.items() == []
    # Once the interval has passed (0 days: every run), discovery runs again.
    third = crawl_local_site(
        tmp_path,
        run_id="r3",
        paths=["/"],
        site_dir=site_dir,
        extra_args=["-s", "LIANZHOU_DISCOVERY_INTERVAL_DAYS=0"],
    )
    assert third.returncode == 0, third.log[-2000:]
    assert [hit.path for hit in third.hits].count("/") == 1
    assert {c["via"] for c in third.report()["columns"]} == {"discovered"}


def test_columns_regex_keeps_the_columns_whose_names_match(tmp_path):
    crawl = crawl_local_site(tmp_path, paths=["/"], extra_args=["-a", "columns=要闻"])
    assert crawl.returncode == 0, crawl.log[-2000:]
    assert [c["name"] for c in crawl.report()["columns"]] == ["连州要闻", "政务要闻"]
    kept = {"lzyw", "zwyw"}
    expected = {
        a.article_id
        for a in crawl.articles
        if a.column in kept or set(a.also_listed_in) & kept
    }
    assert {item["article_id"] for item in crawl.items()} == expected
    # 部门动态 was read once, to see it is a column, and not walked further.
    assert not any(
        hit.path.startswith("/zwgk/bmdt/") and hit.path != "/zwgk/bmdt/"
        for hit in crawl.hits
    )


def test_columns_regex_matching_nothing_is_unhealthy_and_says_so(tmp_path):
    crawl = crawl_local_site(tmp_path, paths=["/"], extra_args=["-a", "columns=体育"])
    assert crawl.returncode == 3
    reasons = " ".join(crawl.report()["unhealthy_reasons"])
    assert "no column name matches -a columns=体育" in reasons
    assert "连州要闻, 政务要闻, 部门动态" in reasons


def test_bad_columns_regex_is_a_one_line_error(tmp_path):
    crawl = crawl_local_site(tmp_path, paths=["/"], extra_args=["-a", "columns=要闻("])
    assert crawl.returncode == 1
    assert "could not start: columns: '要闻(' is not a regular expression" in crawl.log
    assert crawl.hits == []


def test_discovery_finding_nothing_ends_unhealthy_with_what_to_do(tmp_path):
    # The about page links to nothing but the home page.
    crawl = crawl_local_site(tmp_path, paths=["/zjlz/"])
    assert crawl.returncode == 3
    reasons = crawl.report()["unhealthy_reasons"]
    assert any(
        "discovery found no column on" in r and "-a start_urls=URL[,URL...]" in r
        for r in reasons
    ), reasons


def test_the_mirror_home_page_leads_to_the_mirror_column(tmp_path):
    crawl = crawl_local_site(tmp_path, paths=["/mirror/"])
    assert crawl.returncode == 0, crawl.log[-2000:]
    report = crawl.report()
    assert [c["url"].split("/", 3)[3] for c in report["columns"]] == [
        "mirror/zwgk/lzyw/"
    ]
    # The mirror copies the portal path for path and has only some columns:
    # its links to the others are dead, and skipped.
    skipped = {
        e["url"].split("/", 3)[3]: e["reason"] for e in report["discovery"]["skipped"]
    }
    assert skipped["mirror/zwgk/zwyw/"] == skipped["mirror/zwgk/bmdt/"] == "404"
    assert {item["article_id"] for item in crawl.items()} == {
        a.article_id for a in crawl.articles if a.mirrored
    }
    assert all(item["lang"] == "zh-Hant" for item in crawl.items())


def _columns_command(site, cwd, *args):
    command = [sys.executable, "-m", "scrapy", "columns", "lianzhou", *args]
    for name, value in LOCAL_SITE_SETTINGS.items():
        command += ["-s", f"{name}={value}"]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_columns_command_prints_the_columns_and_crawls_nothing(tmp_path):
    build_site(tmp_path / "site")
    with serve(tmp_path / "site") as site:
        result = _columns_command(site, tmp_path, site.base_url + "/")
        hits = list(site.hits)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        f"{column.name}\t{site.base_url}{column.path}\tdiscovered"
        for column in COLUMNS.values()
    ]
    assert f"skipped\t{site.base_url}/zjlz/\tlists no article" in lines
    # Only the home page, robots.txt and each candidate once: no article, no
    # second listing page, no feed, no report.
    paths = [hit.path for hit in hits]
    assert not any("/content/" in p or "index_" in p for p in paths)
    assert len(paths) == len(set(paths)) == 12
    assert not (tmp_path / "output").exists()


def test_columns_command_finding_nothing_says_what_to_do(tmp_path):
    build_site(tmp_path / "site")
    with serve(tmp_path / "site") as site:
        result = _columns_command(site, tmp_path, site.base_url + "/zjlz/")
    assert result.returncode == 3
    assert "pass the columns' listing pages with -a start_urls=URL" in result.stdout


def test_columns_command_a_listing_start_page_is_its_own_column(tmp_path):
    build_site(tmp_path / "site")
    with serve(tmp_path / "site") as site:
        result = _columns_command(site, tmp_path, site.base_url + "/zwgk/zwyw/")
        hits = [hit.path for hit in site.hits]
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == [
        f"政务要闻\t{site.base_url}/zwgk/zwyw/\tstart"
    ]
    assert sorted(hits) == ["/robots.txt", "/zwgk/zwyw/"]


def test_a_candidate_redirecting_off_site_is_skipped_and_never_followed(tmp_path):
    from localsite.run import crawl_command, run_crawl
    from localsite.server import Fault

    build_site(tmp_path / "site")
    with serve(tmp_path / "site") as site:
        # The about page moved to another host (the same server, under the
        # name no crawl may use).
        site.faults["/zjlz/"] = Fault(
            "redirect", location=f"http://{site.offsite_host}/zjlz/"
        )
        command = crawl_command([site.base_url + "/"], run_id="redirect")
        result = run_crawl(command, tmp_path, timeout=240)
        hits = list(site.hits)
    assert result.returncode == 0, result.stderr[-2000:]
    assert {hit.host for hit in hits} == {site.base_url.removeprefix("http://")}
    report = json.loads(
        (tmp_path / "output/lianzhou/redirect.report.json").read_text(encoding="utf-8")
    )
    skipped = {e["url"]: e["reason"] for e in report["discovery"]["skipped"]}
    assert skipped[site.base_url + "/zjlz/"] == "off-host redirect"
    assert len(report["columns"]) == 3 and report["healthy"]
