"""Each function of ``lianzhou_news.compat`` (and the scrapy-redis queue interface
``fleet.ClaimingQueue`` relies on) against the installed library: an upgrade that
takes away a private name fails here, naming the library and the tested versions."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
import scrapy
from scrapy.utils.test import get_crawler
from scrapy_redis.queue import PriorityQueue
from spidermon.contrib.scrapy.extensions import Spidermon as SpidermonAsShipped

from lianzhou_news import compat, requestcodec
from lianzhou_news.fleet import ClaimingQueue, encode_request
from lianzhou_news.run import RunContext

# A real crawl (data: URLs, no network) in a process of its own, so that its
# reactor is not this test process's.
_ENGINE_PROBE = textwrap.dedent(
    """
    import json
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from lianzhou_news.compat import engine_in_progress, wake_engine

    seen = {}

    class Probe(scrapy.Spider):
        name = "probe"

        async def start(self):
            yield scrapy.Request("data:,one")

        def parse(self, response):
            requests = engine_in_progress(self.crawler)
            seen["type"] = type(requests).__name__
            seen["own_request_in_progress"] = response.request in requests
            wake_engine(self.crawler)
            seen["woke"] = True

    process = CrawlerProcess({"LOG_ENABLED": False, "TELNETCONSOLE_ENABLED": False})
    crawler = process.create_crawler(Probe)
    process.crawl(crawler)
    process.start()
    seen["after_close"] = sorted(map(str, engine_in_progress(crawler)))
    wake_engine(crawler)  # a closed engine: nothing to wake, no error
    print(json.dumps(seen))
    """
)


def test_the_engine_slot_of_a_real_crawl():
    result = subprocess.run(
        [sys.executable, "-c", _ENGINE_PROBE],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "type": "set",
        "own_request_in_progress": True,
        "woke": True,
        "after_close": [],
    }, f"Scrapy's engine slot changed ({compat.SCRAPY_TESTED} tested)"


@pytest.mark.parametrize("adapter", [compat.engine_in_progress, compat.wake_engine])
def test_an_engine_without_its_slot_is_named(adapter):
    crawler = SimpleNamespace(engine=object())
    with pytest.raises(RuntimeError, match=r"ExecutionEngine\._slot.*Scrapy 2\.13"):
        adapter(crawler)


def test_a_slot_without_inprogress_is_named():
    crawler = SimpleNamespace(engine=SimpleNamespace(_slot=object()))
    with pytest.raises(RuntimeError, match=r"_slot\.inprogress.*Scrapy 2\.13"):
        compat.engine_in_progress(crawler)
    with pytest.raises(RuntimeError, match=r"closing and \.nextcall.*Scrapy 2\.13"):
        compat.wake_engine(crawler)


def test_spidermon_coverage_skip_values_from_a_real_extension():
    crawler = get_crawler(settings_dict={"SPIDERMON_ENABLED": True})
    extension = SpidermonAsShipped.from_crawler(crawler)
    assert compat.coverage_skip_values(extension, crawler.settings) == [
        "",
        [],
        {},
        "N/A",
        "-",
    ], f"spidermon's default skip values changed ({compat.SPIDERMON_TESTED} tested)"
    crawler = get_crawler(
        settings_dict={
            "SPIDERMON_ENABLED": True,
            "SPIDERMON_FIELD_COVERAGE_SKIP_VALUES": '["none", 0]',
        }
    )
    extension = SpidermonAsShipped.from_crawler(crawler)
    assert compat.coverage_skip_values(extension, crawler.settings) == ["none", 0]


def test_a_spidermon_without_the_skip_values_reader_is_named():
    with pytest.raises(RuntimeError, match=r"_get_skip_values_list.*spidermon"):
        compat.coverage_skip_values(object(), get_crawler().settings)


def test_spidermon_suite_data_from_a_real_extension():
    crawler = get_crawler(_Spider, {"SPIDERMON_ENABLED": True})
    crawler.spider = _Spider.from_crawler(crawler)
    extension = SpidermonAsShipped.from_crawler(crawler)
    data = compat.spidermon_suite_data(extension, crawler.spider)
    assert data["crawler"] is crawler
    assert data["stats"] is not None


def test_a_spidermon_without_the_suite_data_reader_is_named():
    with pytest.raises(RuntimeError, match=r"_generate_data_for_spider.*spidermon"):
        compat.spidermon_suite_data(object(), None)


class _Spider(scrapy.Spider):
    name = "probe"

    def parse_article(self, response):
        pass


class _Claims:
    def __init__(self, data: bytes):
        self.data = data
        self.claimed = {}
        self.popped_from = None

    def pop_claim(self, queue_key):
        self.popped_from = queue_key
        return "claim-1", self.data


def test_claiming_queue_pops_as_scrapy_redis_decodes():
    """ClaimingQueue builds on scrapy-redis's queue constructor and attributes
    (server, spider, key, serializer) and decodes with public Scrapy calls; the
    request it gives is the one scrapy-redis's own decoding gives."""
    crawler = get_crawler(_Spider)
    spider = _Spider.from_crawler(crawler)
    crawler.spider = spider
    request = scrapy.Request(
        "http://127.0.0.1:9/content/post_1.html",
        callback=spider.parse_article,
        priority=3,
        meta={"lianzhou_kind": "article"},
        cb_kwargs={"listing_channel": "要闻"},
    )
    data = encode_request(request, spider)
    fleet = RunContext.open(crawler).fleet = SimpleNamespace(claims=_Claims(data))
    queue = ClaimingQueue(
        server=None, spider=spider, key="%(spider)s:requests", serializer=requestcodec
    )
    popped = queue.pop()
    expected = PriorityQueue(None, spider, "k", requestcodec)._decode_request(data)
    for got in (popped, expected):
        assert (got.url, got.priority, got.meta, got.cb_kwargs) == (
            request.url,
            3,
            {"lianzhou_kind": "article"},
            {"listing_channel": "要闻"},
        )
        assert got.callback == spider.parse_article
    assert fleet.claims.popped_from == "probe:requests"
    assert fleet.claims.claimed == {popped: "claim-1"}
