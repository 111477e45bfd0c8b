"""End to end: the real spider, pipelines and feed export over real HTTP on 127.0.0.1.

The offline site is built from localsite/content.py, so every
crawled item is checked against what its page was made from.
"""

from __future__ import annotations

import hashlib
import json

from lianzhou_news.items import schema_errors
from lianzhou_news.text.script import to_simplified
from localsite.build import ROBOTS_FORBIDDEN_PATH
from localsite.content import COLUMNS, SEED_ID

from .conftest import crawl_local_site

_ASCII_PUNCT = str.maketrans({"，": ",", "：": ":", "；": ";", "（": "(", "）": ")"})


def _comparable(text):
    """Fold script and punctuation, so a mirror's rendering compares with the portal's."""
    if isinstance(text, list):
        return [_comparable(t) for t in text]
    return to_simplified(text).translate(_ASCII_PUNCT) if text is not None else None


def test_output_is_json_lines_utf8_without_escapes(demo_crawl):
    raw = demo_crawl.output.read_bytes()
    text = raw.decode("utf-8")  # raises on anything but UTF-8
    assert "\\u" not in text
    lines = text.split("\n")
    assert lines[-1] == ""  # ends with a newline, no half line
    for number, line in enumerate(lines[:-1], 1):
        assert isinstance(json.loads(line), dict), f"line {number}"


def test_exact_set_of_articles(demo_crawl):
    ids = [item["article_id"] for item in demo_crawl.items()]
    assert len(ids) == len(set(ids)), "an article was emitted twice"
    assert set(ids) == {a.article_id for a in demo_crawl.articles}
    assert len(ids) >= 60


def test_every_item_satisfies_the_schema(demo_crawl):
    for item in demo_crawl.items():
        assert schema_errors(item) == [], item["url"]


def test_every_item_matches_the_page_it_was_made_from(demo_crawl):
    truth = {a.article_id: a for a in demo_crawl.articles}
    for item in demo_crawl.items():
        article = truth[item["article_id"]]
        mirror = "/mirror/" in item["url"]
        same = _comparable if mirror else (lambda value: value)
        assert same(item["title"]) == same(article.title), item["url"]
        assert same(item["source"]) == same(article.source), item["url"]
        assert item["timestamp"] == article.published.replace(" ", "T") + "+08:00"
        assert item["timestamp_precision"] == "second"
        assert same(item["body"]) == same("\n".join(article.text_paragraphs)), item[
            "url"
        ]
        expected_credits = {
            role: same(names) for role, names in article.all_credits.items()
        }
        assert {
            role: same(names) for role, names in item["credits"].items()
        } == expected_credits
        assert same(item["channel"]) == same(COLUMNS[article.column].name) or (
            not article.with_meta and article.also_listed_in
        ), item["url"]
        assert item["lang"] == ("zh-Hant" if mirror else "zh-Hans")
        assert item["site"] == "连州市融媒体中心"
        assert len(item["images"]) == sum(
            1 for p in article.paragraphs if hasattr(p, "src")
        )


def test_seed_appears_once_in_one_of_its_renderings(demo_crawl):
    seeds = [item for item in demo_crawl.items() if item["article_id"] == SEED_ID]
    assert len(seeds) == 1
    seed = seeds[0]
    assert seed["title"] in (
        "连州市宣传思想文化工作会议召开 为连州高质量发展提供坚强思想保证和强大精神力量",
        "連州市宣傳思想文化工作會議召開 為連州高質量發展提供堅強思想保證和強大精神力量",
    )
    assert seed["quality"] == ["body:mojibake"]


def test_duplicates_from_mirror_and_cross_listing_are_dropped_and_counted(demo_crawl):
    mirrored = sum(1 for a in demo_crawl.articles if a.mirrored)
    crosslisted = sum(len(a.also_listed_in) for a in demo_crawl.articles)
    assert mirrored + crosslisted == 5
    # A second copy is either never fetched (its id is already stored) or
    # fetched and dropped by the pipeline; either way it is counted.
    items = demo_crawl.report()["items"]
    assert items["dropped"]["duplicate"] + items["known_not_refetched"] == 5
    assert items["not_allowed"] == 1  # the link robots.txt forbids


def test_no_offsite_request_and_robots_obeyed(demo_crawl):
    hosts = {hit.host for hit in demo_crawl.hits}
    assert hosts == {demo_crawl.site_host}, "a link to another host was followed"
    paths = [hit.path for hit in demo_crawl.hits]
    assert "/robots.txt" in paths
    assert ROBOTS_FORBIDDEN_PATH not in paths
    assert not any("mp.weixin" in path for path in paths)


def test_pagination_walks_every_listing_page_once_and_stops(demo_crawl):
    listing_hits = [
        hit.path
        for hit in demo_crawl.hits
        if "/content/" not in hit.path and hit.path != "/robots.txt"
    ]
    assert len(listing_hits) == len(set(listing_hits))
    for column in COLUMNS.values():
        pages = [p for p in listing_hits if p.startswith(column.path)]
        assert len(pages) == 3, (column.key, pages)  # each column has exactly 3 pages
    assert all(hit.status == 200 for hit in demo_crawl.hits), (
        "requested a page that does not exist"
    )


def test_articles_fetched_once_each(demo_crawl):
    article_hits = [hit.path for hit in demo_crawl.hits if "/content/post_" in hit.path]
    assert len(article_hits) == len(set(article_hits))


def test_each_run_writes_its_own_file_and_O_works(tmp_path):
    first = crawl_local_site(tmp_path, run_id="first", site_dir=tmp_path / "site")
    assert first.returncode == 0, first.log[-2000:]
    digest = hashlib.sha256(first.output.read_bytes()).hexdigest()

    # Same state: nothing is new, so the second run writes no file of its own.
    second = crawl_local_site(tmp_path, run_id="second", site_dir=tmp_path / "site")
    assert second.returncode == 0
    assert hashlib.sha256(first.output.read_bytes()).hexdigest() == digest
    assert not second.output.exists() and second.report()["items_file"] is None

    again = crawl_local_site(tmp_path, run_id="first", site_dir=tmp_path / "site")
    assert again.returncode != 0
    assert "exists already: choose another -a run_id" in again.log
    assert hashlib.sha256(first.output.read_bytes()).hexdigest() == digest
    # A run that wrote no items file left its report: its id is taken too.
    report = second.output.with_name("second.report.json").read_bytes()
    reused = crawl_local_site(tmp_path, run_id="second", site_dir=tmp_path / "site")
    assert reused.returncode == 1
    assert "second.report.json exists already: choose another -a run_id" in reused.log
    assert second.output.with_name("second.report.json").read_bytes() == report

    custom = crawl_local_site(
        tmp_path,
        run_id="third",
        extra_args=["-O", "custom.jsonl", "-s", "LIANZHOU_STATE_DIR=state-custom"],
        site_dir=tmp_path / "site",
    )
    assert custom.returncode == 0
    assert not custom.output.exists(), "-O must replace the default feed, not add to it"
    lines = (tmp_path / "custom.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(first.items())
    assert list(json.loads(lines[0]))[:3] == ["schema_version", "article_id", "url"]


def test_bad_start_url_is_a_clear_error(tmp_path):
    import sys

    from localsite.run import run_crawl

    result = run_crawl(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "lianzhou",
            "-a",
            "start_urls=www.lianzhou.gov.cn/zwgk/",
        ],
        tmp_path,
    )
    assert result.returncode != 0
    assert "is not an http(s) URL" in result.stderr
