"""The fleet's extension, built with get_crawler on a run that joined a real
fleet in the test Redis (``LIANZHOU_TEST_REDIS_URL``, which ``.ci/run`` sets):
an idle worker waits while another holds requests, and a finished worker ends
the run, records it in the stats and leaves."""

from __future__ import annotations

import os

import pytest
import redis
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.test import get_crawler

from lianzhou_news import settings as project
from lianzhou_news.fleet import Fleet, FleetExtension
from lianzhou_news.run import RunContext
from lianzhou_news.spiders.lianzhou import LianzhouSpider

PROJECT_SETTINGS = {n: getattr(project, n) for n in dir(project) if n.isupper()}


@pytest.fixture
def redis_url():
    url = os.environ.get("LIANZHOU_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("LIANZHOU_TEST_REDIS_URL is not set: .ci/run starts Redis")
        pytest.skip("LIANZHOU_TEST_REDIS_URL is not set (a Redis for the fleet tests)")
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


def _worker(tmp_path, redis_url, name):
    settings = {
        **PROJECT_SETTINGS,
        "REDIS_URL": redis_url,
        "LIANZHOU_WORKER": name,
        "LIANZHOU_STATE_DIR": str(tmp_path / "state"),
        "LIANZHOU_OUTPUT_URI": str(tmp_path / "output/%(name)s/%(run_id)s.jsonl"),
        "EXTENSIONS": dict.fromkeys(project.EXTENSIONS),
    }
    crawler = get_crawler(LianzhouSpider, settings)
    run = RunContext.open(crawler)  # joins the fleet, as the spider does
    return crawler, run.fleet, FleetExtension.from_crawler(crawler)


def test_an_idle_worker_waits_while_another_holds_requests(
    tmp_path, redis_url, monkeypatch
):
    crawler, fleet, extension = _worker(tmp_path, redis_url, "w1")
    # No engine without a crawl: this worker has nothing in progress (what the
    # engine says is compat.engine_in_progress's job, tested in test_compat).
    monkeypatch.setattr(
        "lianzhou_news.fleet.extension.engine_in_progress", lambda crawler: set()
    )
    other = Fleet.connect(crawler.settings, "lianzhou")
    other.join("w2", tmp_path / "locks-w2", None)
    try:
        assert other.run == fleet.run  # one fleet run
        claims = other.run_key("claims:w2")
        other.server.hset(claims, mapping={"c1": "request", "c1:score": "0"})
        with pytest.raises(DontCloseSpider):
            extension.spider_idle(None)
        assert extension.waiting
        other.server.delete(claims)  # w2 finished its request
        extension.spider_idle(None)  # nothing queued, nobody busy: may close
        assert not extension.waiting
    finally:
        other.leave()
        fleet.leave()


def test_a_finished_worker_ends_the_run_and_leaves(tmp_path, redis_url):
    crawler, fleet, extension = _worker(tmp_path, redis_url, "w1")
    alive = fleet.key("alive:w1")
    assert fleet.server.exists(alive)
    extension.spider_closed(None, "finished")
    stats = crawler.stats.get_stats()
    assert stats["lianzhou/fleet/run"] == fleet.run
    assert stats["lianzhou/fleet/worker"] == "w1"
    assert stats["lianzhou/fleet/ended_run"] is True
    assert not fleet.server.exists(alive)
    assert fleet.server.get(fleet.key("current")) is None  # the run is over


def test_a_worker_stopped_early_does_not_end_the_run(tmp_path, redis_url):
    crawler, fleet, extension = _worker(tmp_path, redis_url, "w1")
    extension.spider_closed(None, "shutdown")
    assert "lianzhou/fleet/ended_run" not in crawler.stats.get_stats()
    assert fleet.server.get(fleet.key("current")).decode() == fleet.run
