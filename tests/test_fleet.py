"""Distributed mode with a real Redis: many workers, one crawl, every article once.

Each test runs real `scrapy crawl lianzhou` worker processes against the local
site on 127.0.0.1 and a real redis-server: the one `.ci/run` starts
(``LIANZHOU_TEST_REDIS_URL``), else a private one started here from the
``redis-server`` on PATH. Without either, the tests are skipped on a developer
machine and fail in CI.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from scrapy.settings import Settings

from lianzhou_news import requestcodec
from lianzhou_news import settings as project
from lianzhou_news.fleet import Fleet
from localsite import build_site, serve
from localsite.build import start_urls
from localsite.run import crawl_command

from .conftest import correct_article

# Slow enough that both workers take part and a kill lands mid-run.
WORKER_SETTINGS = {
    "DOWNLOAD_DELAY": "0.1",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
    "LIANZHOU_FLEET_HEARTBEAT_TTL": "2",
}


def _redis_binary() -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs and starts it")
        pytest.skip(message + "; CI runs these tests")
    return binary


@contextmanager
def _private_redis(folder: Path):
    """A redis-server of our own on a free port of 127.0.0.1, in memory."""
    binary = _redis_binary()
    folder.mkdir(parents=True, exist_ok=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options = ["--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    options += ["--appendonly", "no", "--dir", str(folder)]
    process = subprocess.Popen(
        [binary, *options],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        process.kill()
        raise AssertionError(f"{binary} did not answer on port {port}")
    try:
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    url = os.environ.get("LIANZHOU_TEST_REDIS_URL")
    if url:
        yield url
        return
    with _private_redis(tmp_path_factory.mktemp("redis")) as (url, _):
        yield url


@pytest.fixture
def redis_url(redis_server):
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    yield redis_server
    client.flushdb()


@pytest.fixture
def site(tmp_path):
    articles = build_site(tmp_path / "site")
    with serve(tmp_path / "site") as local:
        local.articles = articles
        yield local


def _env():
    return {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}


def _worker(site, redis_url, cwd, name, args=(), urls=None, **extra):
    """A fleet worker over ``site``, from its column listings or ``urls``."""
    command = crawl_command(
        urls or start_urls(site.base_url),
        settings={
            **WORKER_SETTINGS,
            "REDIS_URL": redis_url,
            "LIANZHOU_WORKER": name,
            **extra,
        },
        extra_args=list(args),
    )
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=(cwd / f"{name}.{time.monotonic_ns()}.log").open("w"),
        start_new_session=True,
    )


def _outputs(cwd: Path) -> dict[str, list[dict]]:
    """Every worker file of every run: name -> its lines (a broken line fails)."""
    files = {}
    for path in sorted((cwd / "output" / "lianzhou").glob("*.jsonl")):
        if path.name.endswith(".rejects.jsonl"):
            continue
        text = path.read_text(encoding="utf-8")
        assert text == "" or text.endswith("\n"), f"{path} ends with half a line"
        files[path.name] = [json.loads(line) for line in text.splitlines()]
    return files


def _emitted(cwd: Path) -> Counter:
    return Counter(
        item["article_id"] for lines in _outputs(cwd).values() for item in lines
    )


def _wait_for_lines(cwd: Path, pattern: str, lines: int, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = (cwd / "output" / "lianzhou").glob(pattern)  # none while it is missing
        found = sum(path.read_bytes().count(b"\n") for path in files)
        if found >= lines:
            return
        time.sleep(0.05)
    raise AssertionError(f"no {lines} lines in {pattern} within {timeout} s")


def _reports(cwd: Path) -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((cwd / "output" / "lianzhou").glob("*.report.json"))
    ]


def _scrapy_fleet(redis_url, cwd, *options) -> str:
    """Run `scrapy fleet lianzhou` as a user would; its standard output."""
    command = [sys.executable, "-m", "scrapy", "fleet", "lianzhou"]
    result = subprocess.run(
        [*command, "-s", f"REDIS_URL={redis_url}", *options],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


def _fleet_status(redis_url, cwd) -> dict:
    return json.loads(_scrapy_fleet(redis_url, cwd))


def test_two_workers_share_one_crawl_and_emit_every_article_once(
    tmp_path, site, redis_url
):
    workers = [_worker(site, redis_url, tmp_path, name) for name in ("w1", "w2")]
    assert [w.wait(timeout=180) for w in workers] == [0, 0]

    emitted = _emitted(tmp_path)
    expected = {article.article_id for article in site.articles}
    assert set(emitted) == expected
    assert max(emitted.values()) == 1, emitted.most_common(3)
    files = _outputs(tmp_path)
    assert len(files) == 2 and all(files.values()), "both workers took part"
    # The start URLs were seeded once: each listing page was fetched once.
    listing_hits = Counter(hit.path for hit in site.hits if "post_" not in hit.path)
    assert all(
        count == 1 for path, count in listing_hits.items() if path != "/robots.txt"
    ), listing_hits
    reports = _reports(tmp_path)
    assert [r["healthy"] for r in reports] == [True, True]
    assert sum(r["fleet"]["ended_run"] for r in reports) == 1
    status = _fleet_status(redis_url, tmp_path)
    assert status["run"] is None and status["articles_known"] == len(expected)

    # The state is shared across runs too: the next fleet run emits nothing
    # and reads at most the revisited listing pages of each column.
    site.hits.clear()
    workers = [_worker(site, redis_url, tmp_path, name) for name in ("w1", "w2")]
    assert [w.wait(timeout=180) for w in workers] == [0, 0]
    assert _emitted(tmp_path) == emitted
    listing_hits = [
        h for h in site.hits if "post_" not in h.path and "robots" not in h.path
    ]
    assert len(listing_hits) <= 2 * len(start_urls(site.base_url))

    # An edited article is a new version, emitted by exactly one worker.
    target = next(a for a in site.articles if a.column == "bmdt")
    correct_article(tmp_path / "site", target)
    before = set(_outputs(tmp_path))
    workers = [
        _worker(site, redis_url, tmp_path, name, args=["-a", "full=1"])
        for name in ("w1", "w2")
    ]
    assert [w.wait(timeout=180) for w in workers] == [0, 0]
    new_lines = [
        line
        for name, lines in _outputs(tmp_path).items()
        if name not in before
        for line in lines
    ]
    assert [(i["article_id"], i["version"], i["change"]) for i in new_lines] == [
        (target.article_id, 2, "updated")
    ]


def test_workers_that_extract_in_worker_processes_emit_every_article_once(
    tmp_path, site, redis_url
):
    # A fleet worker's claim is released when Scrapy has finished with the
    # request, which includes awaiting its extraction in a worker process.
    workers = [
        # STATS_DUMP: the stats read below are dumped in the log (DEBUG otherwise).
        _worker(
            site,
            redis_url,
            tmp_path,
            name,
            LIANZHOU_EXTRACT_PROCESSES="1",
            STATS_DUMP="True",
        )
        for name in ("w1", "w2")
    ]
    assert [w.wait(timeout=180) for w in workers] == [0, 0]
    emitted = _emitted(tmp_path)
    assert set(emitted) == {article.article_id for article in site.articles}
    assert max(emitted.values()) == 1, emitted.most_common(3)
    assert [r["healthy"] for r in _reports(tmp_path)] == [True, True]
    in_workers = [
        int(m.group(1))
        for log in tmp_path.glob("w*.log")
        for m in re.finditer(
            r"'lianzhou/extraction/in_workers': (\d+)", log.read_text()
        )
    ]
    assert sum(in_workers) >= len(site.articles), "the worker processes extracted"


def _start_two_and_kill_w2(site, redis_url, cwd):
    """Start workers w1 and w2; once w2 has written 5 lines, kill -9 it. Returns w1."""
    w1 = _worker(site, redis_url, cwd, "w1")
    w2 = _worker(site, redis_url, cwd, "w2")
    _wait_for_lines(cwd, "*.w2.jsonl", 5)
    os.killpg(w2.pid, signal.SIGKILL)
    w2.wait(timeout=30)
    return w1


def test_a_worker_killed_mid_run_and_restarted_loses_and_repeats_nothing(
    tmp_path, site, redis_url
):
    w1 = _start_two_and_kill_w2(site, redis_url, tmp_path)
    w2_again = _worker(site, redis_url, tmp_path, "w2")
    assert w1.wait(timeout=180) == 0
    assert w2_again.wait(timeout=180) == 0

    emitted = _emitted(tmp_path)
    assert set(emitted) == {article.article_id for article in site.articles}
    assert max(emitted.values()) == 1, emitted.most_common(3)
    # One run, one file per worker: the restarted w2 appended to its own.
    names = sorted(_outputs(tmp_path))
    run = names[0].split(".")[0]
    assert names == [f"{run}.w1.jsonl", f"{run}.w2.jsonl"]
    log = "".join(p.read_text() for p in tmp_path.glob("w2.*.log"))
    assert "settled what an earlier w2 left" in log


def test_a_killed_worker_that_stays_down_is_swept_then_settles_on_restart(
    tmp_path, site, redis_url
):
    w1 = _start_two_and_kill_w2(site, redis_url, tmp_path)
    # w1 alone finishes the run: w2's unfinished requests come back to the
    # queue once its heartbeat expires. An article w2 had reserved is held for
    # it (w2 may or may not have written its line before it died), and w1's
    # run says so.
    returncode = w1.wait(timeout=180)
    status = _fleet_status(redis_url, tmp_path)
    held = status["held_by_stopped_workers"].get("w2", 0)
    assert returncode == (3 if held else 0)
    held_ids = _reserved_by(redis_url, "w2")
    assert len(held_ids) == held
    emitted = _emitted(tmp_path)
    assert max(emitted.values()) == 1
    everything = {article.article_id for article in site.articles}
    assert set(emitted) | held_ids == everything
    written_by_w1 = {
        item["article_id"]
        for name, lines in _outputs(tmp_path).items()
        if ".w1." in name
        for item in lines
    }
    assert not written_by_w1 & held_ids, "w1 wrote an article held for w2"

    # w2 comes back under its name: what it wrote is recorded, what it had not
    # is fetched again, and the fleet ends with every article exactly once.
    assert _worker(site, redis_url, tmp_path, "w2").wait(timeout=180) == 0
    emitted = _emitted(tmp_path)
    assert set(emitted) == {article.article_id for article in site.articles}
    assert max(emitted.values()) == 1
    assert _fleet_status(redis_url, tmp_path)["held_by_stopped_workers"] == {}


def _reserved_by(redis_url, worker: str) -> set[str]:
    """Ids of the articles the workers' fleet holds reserved for ``worker``."""
    settings = Settings(
        {"REDIS_URL": redis_url, "LIANZHOU_REDIS_PREFIX": project.LIANZHOU_REDIS_PREFIX}
    )
    fleet = Fleet.connect(settings, "lianzhou")
    return {i for i, entry in fleet.reservations() if entry["worker"] == worker}


def _fleet(redis_url, worker, lock_dir) -> Fleet:
    settings = Settings(
        {
            "REDIS_URL": redis_url,
            "LIANZHOU_REDIS_PREFIX": "t",
            "LIANZHOU_FLEET_HEARTBEAT_TTL": 30,
        }
    )
    fleet = Fleet.connect(settings, "lianzhou")
    fleet.join(worker, lock_dir, None)
    return fleet


def test_a_reservation_is_settled_from_the_worker_s_own_file(tmp_path, redis_url):
    import scrapy

    spider = scrapy.Spider(name="lianzhou")
    output = tmp_path / "w2.jsonl"
    w2 = _fleet(redis_url, "w2", tmp_path / "locks")
    w2.register_outputs([str(output)])
    for article_id in ("101", "102"):
        request = scrapy.Request(f"http://127.0.0.1:9/content/post_{article_id}.html")
        assert w2.reserve(
            article_id, f"hash{article_id}", request.url, request, spider
        ) == (
            "reserved",
            "1",
        )
    # w2 wrote 101's line, then died before recording it; 102 was never written.
    output.write_text(
        json.dumps({"article_id": "101", "url": "u101", "version": 1}) + "\n"
    )
    w2.server.delete(w2.key("alive:w2"))
    w2.leave()

    w1 = _fleet(redis_url, "w1", tmp_path / "locks")
    request = scrapy.Request("http://127.0.0.1:9/content/post_101.html")
    assert w1.reserve("101", "hash101", request.url, request, spider) == ("held", "w2")
    assert w1.held() == {"w2": 2}

    again = _fleet(redis_url, "w2", tmp_path / "locks")
    assert again.recover() == {"requeued": 0, "recorded": 1, "released": 1}
    assert w1.held() == {}
    # 101 is recorded as written (a refetch is a duplicate of this run);
    # 102's request is back in the run's queue, ready to be fetched again.
    assert w1.reserve("101", "hash101", request.url, request, spider)[0] == "duplicate"
    assert w1.queued() == 1


def test_release_gives_a_lost_worker_s_articles_back_to_the_queue(tmp_path, redis_url):
    import scrapy

    spider = scrapy.Spider(name="lianzhou")
    w2 = _fleet(redis_url, "w2", tmp_path / "locks")
    request = scrapy.Request("http://127.0.0.1:9/content/post_7.html", priority=3)
    assert w2.reserve("7", "hash7", request.url, request, spider)[0] == "reserved"
    w2.leave()  # its machine is gone, with its file

    w1 = _fleet(redis_url, "w1", tmp_path / "locks")
    assert w1.held() == {"w2": 1}
    released = _scrapy_fleet(
        redis_url, tmp_path, "--release", "w2", "-s", "LIANZHOU_REDIS_PREFIX=t"
    )
    assert released.strip() == "1 article(s) of w2 queued to fetch again"
    assert w1.held() == {}
    assert w1.drain_carry() == 1
    # The very request that fetched it, with its priority, is queued again.
    ((data, score),) = w1.server.zrange(w1.run_key("requests"), 0, 0, withscores=True)
    assert score == -3
    again = requestcodec.loads(data)
    assert (again["url"], again["priority"]) == (request.url, 3)


def test_an_unreachable_redis_is_a_clear_start_failure(tmp_path, site):
    result = subprocess.run(
        crawl_command(
            start_urls(site.base_url), settings={"REDIS_URL": "redis://127.0.0.1:9/0"}
        ),
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Redis does not answer" in result.stderr


def test_a_worker_whose_redis_goes_away_stops_cleanly_and_says_why(tmp_path, site):
    with _private_redis(tmp_path / "redis") as (url, process):
        worker = _worker(site, url, tmp_path, "w1")
        _wait_for_lines(tmp_path, "*.w1.jsonl", 3)
        process.kill()
        returncode = worker.wait(timeout=120)
    assert returncode == 3
    (report,) = _reports(tmp_path)
    assert report["finish_reason"] == "redis_unavailable"
    assert any("Finish Reason" in reason for reason in report["unhealthy_reasons"])
    assert max(_emitted(tmp_path).values()) == 1  # and no broken line (_outputs)
    log = "".join(p.read_text() for p in tmp_path.glob("w1.*.log"))
    assert "Redis is unavailable" in log
    assert log.count("Traceback") <= 1  # spidermon's report of the failed monitor
