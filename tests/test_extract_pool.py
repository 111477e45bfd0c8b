"""Extraction in worker processes (``LIANZHOU_EXTRACT_PROCESSES``): the same
items as in the crawler's own thread, and a worker's death costs no article."""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from lianzhou_news.extract import extract_article
from lianzhou_news.extractpool import ExtractionPool, ExtractionWorkerLost
from localsite import build_site, serve
from localsite.build import article_path, start_urls
from localsite.run import crawl_command, run_crawl

from .conftest import crawl_local_site, golden_cases

ROOT = Path(__file__).resolve().parent.parent


def _by_page(crawl) -> dict[str, str]:
    """Items by page URL, without the fetch time, with the site's port taken out."""
    return {
        item["url"].replace(crawl.site_host, "SITE"): json.dumps(
            {k: v for k, v in item.items() if k != "crawled_at"}, ensure_ascii=False
        ).replace(crawl.site_host, "SITE")
        for item in crawl.items()
    }


def test_pooled_crawl_writes_exactly_the_items_of_an_in_process_crawl(
    demo_crawl, tmp_path
):
    # STATS_DUMP: the stats this test reads are dumped in the log (DEBUG otherwise).
    crawl = crawl_local_site(
        tmp_path,
        extra_args=["-s", "LIANZHOU_EXTRACT_PROCESSES=2", "-s", "STATS_DUMP=True"],
    )
    assert crawl.returncode == 0, crawl.log[-3000:]
    pooled, in_process = _by_page(crawl), _by_page(demo_crawl)
    assert {i["article_id"] for i in crawl.items()} == {
        i["article_id"] for i in demo_crawl.items()
    }
    # An article on two pages (mirrored, or listed in two columns) is kept
    # from whichever page arrives first, so the two crawls may hold different
    # pages of it; every other page is in both, and its item must be the same
    # to the character.
    on_two_pages = sum(1 for a in crawl.articles if a.mirrored or a.also_listed_in)
    same_pages = pooled.keys() & in_process.keys()
    assert len(same_pages) >= len(in_process) - on_two_pages
    for page in same_pages:
        assert pooled[page] == in_process[page], page
    # The workers did extract them: one per article page served.
    article_pages = [h for h in crawl.hits if "/content/post_" in h.path]
    in_workers = re.search(r"'lianzhou/extraction/in_workers': (\d+)", crawl.log)
    assert in_workers, "no page was extracted in a worker"
    assert int(in_workers.group(1)) == len(article_pages)


def test_a_page_that_kills_its_extraction_worker_is_reported_and_fetched_next_run(
    tmp_path, monkeypatch
):
    site_dir = tmp_path / "site"
    articles = build_site(site_dir)
    victim = next(a for a in articles if not a.mirrored and not a.also_listed_in)
    # The test spider lives in tests/; workers import its loader by name.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    settings = {
        "SPIDER_MODULES": "lianzhou_news.spiders,tests.killing_spider",
        "LIANZHOU_EXTRACT_PROCESSES": "1",
        "STATS_DUMP": "True",  # the restarts are read from the stats in the log
    }
    output = tmp_path / "output" / "lianzhou_killing"
    with serve(site_dir) as site:
        urls = start_urls(site.base_url)
        monkeypatch.setenv("LIANZHOU_TEST_KILL_TITLE", victim.title)
        first = run_crawl(
            crawl_command(
                urls, spider="lianzhou_killing", run_id="first", settings=settings
            ),
            tmp_path,
        )
        monkeypatch.delenv("LIANZHOU_TEST_KILL_TITLE")
        second = run_crawl(
            crawl_command(
                urls, spider="lianzhou_killing", run_id="second", settings=settings
            ),
            tmp_path,
        )

    # The run went on and named the page and why, like any article it could
    # not fetch; the pages in flight when the workers died were tried again,
    # one at a time, and were written.
    assert first.returncode == 0, first.stderr[-3000:]
    report = json.loads((output / "first.report.json").read_text(encoding="utf-8"))
    assert report["failed_articles"] == [
        {
            "url": f"{site.base_url}{article_path(victim)}",
            "reason": "extraction worker lost",
        }
    ]
    assert "'lianzhou/extraction/pool_restarts': 2" in first.stderr
    emitted = [
        json.loads(line)["article_id"] for line in (output / "first.jsonl").open()
    ]
    everything = {a.article_id for a in articles}
    assert sorted(emitted) == sorted(everything - {victim.article_id})

    # The next run fetches exactly what the first could not write.
    assert second.returncode == 0, second.stderr[-3000:]
    again = [
        json.loads(line)["article_id"] for line in (output / "second.jsonl").open()
    ]
    assert again == [victim.article_id]


class _KillsItsWorker(HtmlResponse):
    """A response whose construction ends the process, when in a worker."""

    def __init__(self, *args, **kwargs):
        import multiprocessing

        if multiprocessing.parent_process() is not None:
            os._exit(1)
        super().__init__(*args, **kwargs)


def test_pool_tries_a_page_twice_then_says_the_worker_was_lost_and_recovers():
    case = golden_cases()[0]
    good = case.response()
    deadly = _KillsItsWorker(url=good.url, body=good.body, headers=good.headers)
    pool = ExtractionPool(1)

    async def scenario():
        with pytest.raises(ExtractionWorkerLost, match="lost twice"):
            await pool.extract(deadly, now=case.fetched_at)
        return await pool.extract(good, now=case.fetched_at)

    try:
        item = asyncio.run(scenario())
    finally:
        pool.close()
    assert pool.restarts == 2
    assert dict(item) == dict(extract_article(good, now=case.fetched_at))


@pytest.mark.parametrize("processes", [1, 2])
def test_pages_in_flight_when_a_worker_dies_are_all_extracted(processes):
    cases = golden_cases()[:8]
    deadly = cases[0].response()
    deadly = _KillsItsWorker(url=deadly.url, body=deadly.body, headers=deadly.headers)
    pool = ExtractionPool(processes)

    async def scenario():
        return await asyncio.gather(
            pool.extract(deadly, now=cases[0].fetched_at),
            *(pool.extract(c.response(), now=c.fetched_at) for c in cases[1:]),
            return_exceptions=True,
        )

    try:
        results = asyncio.run(scenario())
    finally:
        pool.close()
    assert isinstance(results[0], ExtractionWorkerLost)
    for case, item in zip(cases[1:], results[1:], strict=True):
        assert not isinstance(item, BaseException), f"{case.name}: {item!r}"
        assert dict(item) == dict(extract_article(case.response(), now=case.fetched_at))


def test_a_page_larger_than_the_socket_buffers_comes_back_whole():
    """Pages and items of megabytes are sent and read in many pieces."""
    case = golden_cases()[0]
    page = case.response()
    html = page.text
    # Paragraphs of the body, after its first one.
    first_line = case.expected["body"].splitlines()[0][:12]
    after = html.index("</p>", html.index(first_line)) + len("</p>")
    paragraph = "<p>连州市融媒体中心报道。" + "连州" * 2000 + "</p>"
    big = page.replace(body=(html[:after] + paragraph * 300 + html[after:]).encode())
    assert len(big.body) > 3_000_000
    pool = ExtractionPool(2)

    async def scenario():
        everything = asyncio.gather(
            pool.extract(big, now=case.fetched_at),
            pool.extract(page, now=case.fetched_at),
            pool.extract(big, now=case.fetched_at),
        )
        return await asyncio.wait_for(everything, timeout=120)  # a lost piece hangs

    try:
        results = asyncio.run(scenario())
    finally:
        pool.close()
    expected_big = dict(extract_article(big, now=case.fetched_at))
    assert len(expected_big["body"]) > 1_000_000
    assert dict(results[0]) == expected_big == dict(results[2])
    assert dict(results[1]) == dict(extract_article(page, now=case.fetched_at))


def test_a_caller_that_gives_up_leaves_the_next_pages_their_own_items():
    """Answers come back in order; one nobody waits for any more is skipped,
    not handed to the next caller."""
    first, second = golden_cases()[:2]
    pool = ExtractionPool(1)

    async def scenario():
        abandoned = asyncio.ensure_future(
            pool.extract(first.response(), now=first.fetched_at)
        )
        await asyncio.sleep(0)  # sent
        abandoned.cancel()
        return await pool.extract(second.response(), now=second.fetched_at)

    try:
        item = asyncio.run(scenario())
    finally:
        pool.close()
    assert dict(item) == dict(extract_article(second.response(), now=second.fetched_at))


def test_an_error_in_extraction_reaches_the_crawler_as_itself():
    case = golden_cases()[0]
    pool = ExtractionPool(1)

    async def scenario():
        with pytest.raises(TypeError, match="unexpected keyword") as raised:
            await pool.extract(case.response(), now=case.fetched_at, no_such=1)
        # The worker is still there for the next page.
        return raised.value, await pool.extract(case.response(), now=case.fetched_at)

    try:
        error, item = asyncio.run(scenario())
    finally:
        pool.close()
    assert any("in extraction worker" in note for note in error.__notes__)
    assert pool.restarts == 0
    assert dict(item) == dict(extract_article(case.response(), now=case.fetched_at))


@pytest.mark.parametrize("value", ["-1", "two", "1.5"])
def test_a_bad_process_count_is_a_clear_error(tmp_path, value):
    crawl = crawl_local_site(
        tmp_path, extra_args=["-s", f"LIANZHOU_EXTRACT_PROCESSES={value}"]
    )
    assert crawl.returncode != 0
    assert "LIANZHOU_EXTRACT_PROCESSES: expected 0" in crawl.log
    assert not crawl.output.exists()


def test_another_reactor_is_refused_with_a_reason(tmp_path):
    crawl = crawl_local_site(
        tmp_path,
        extra_args=["-s", "TWISTED_REACTOR=twisted.internet.pollreactor.PollReactor"],
    )
    assert crawl.returncode != 0
    assert "TWISTED_REACTOR: lianzhou_news needs" in crawl.log
