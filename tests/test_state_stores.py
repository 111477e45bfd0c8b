"""Both state stores implement ``state.StateStoreProtocol``, and each settles the
end of a run for real (``finish_run``)."""

from __future__ import annotations

import inspect
import os
import sqlite3
from types import SimpleNamespace

import pytest
import redis
from scrapy.settings import Settings

from lianzhou_news.conditional import Validators
from lianzhou_news.fleet import Fleet, RedisStateStore
from lianzhou_news.state import StateStore, StateStoreProtocol

SETTINGS = {"LIANZHOU_REDIS_PREFIX": "t", "LIANZHOU_FLEET_HEARTBEAT_TTL": 30}


def _protocol_methods() -> list[str]:
    return [
        name
        for name, value in vars(StateStoreProtocol).items()
        if inspect.isfunction(value) and not name.startswith("_")
    ]


def _redis_store(url: str) -> RedisStateStore:
    fleet = Fleet(redis.Redis.from_url(url), "lianzhou", Settings(SETTINGS))
    return RedisStateStore(fleet, SimpleNamespace(spider=None, stats=None))


@pytest.fixture
def sqlite_store(tmp_path):
    store = StateStore(tmp_path, "lianzhou")
    yield store
    try:
        store.close()
    except ValueError:  # finish_run closed it already
        pass


def test_the_protocol_is_what_the_run_asks():
    assert _protocol_methods() == [
        "known",
        "reserve",
        "record",
        "touch",
        "validators",
        "save_validators",
        "column_walked",
        "discovered_columns",
        "remember_columns",
        "count",
        "finish_run",
    ]


def test_both_stores_satisfy_the_protocol(sqlite_store):
    # Building the Redis store connects to nothing.
    stores = [sqlite_store, _redis_store("redis://127.0.0.1:9/0")]
    for store in stores:
        assert isinstance(store, StateStoreProtocol), type(store).__name__
        # runtime_checkable looks at names only: the signatures must take the
        # protocol's arguments too.
        for name in _protocol_methods():
            wanted = inspect.signature(getattr(StateStoreProtocol, name))
            params = [p for p in wanted.parameters.values() if p.name != "self"]
            positional = [p.name for p in params if p.kind != p.KEYWORD_ONLY]
            keywords = {p.name: p.name for p in params if p.kind == p.KEYWORD_ONLY}
            got = inspect.signature(getattr(store, name))
            got.bind(*positional, **keywords)  # as the callers pass them
            got.bind(**{p.name: p.name for p in params})  # and all by name
    # And nothing imitates the other with no-ops any more.
    assert not hasattr(stores[1], "mark_columns_walked")
    assert not hasattr(stores[1], "close_run")


def _runs(path) -> dict:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT run_id, closed FROM runs"))


def test_sqlite_finish_run_clean_marks_the_columns_and_closes(tmp_path, sqlite_store):
    sqlite_store.open_run("r1", [str(tmp_path / "r1.jsonl")])
    sqlite_store.finish_run("r1", {"http://h/a/", "http://h/b/"}, clean=True)
    assert _runs(sqlite_store.path) == {"r1": 1}
    again = StateStore(tmp_path, "lianzhou")  # the lock is free
    try:
        assert again.column_walked("http://h/a/") and again.column_walked("http://h/b/")
    finally:
        again.close()


def test_sqlite_finish_run_unclean_marks_nothing(tmp_path, sqlite_store):
    sqlite_store.open_run("r1", [str(tmp_path / "r1.jsonl")])
    sqlite_store.finish_run("r1", {"http://h/a/"}, clean=False)
    assert _runs(sqlite_store.path) == {"r1": 1}
    again = StateStore(tmp_path, "lianzhou")
    try:
        assert not again.column_walked("http://h/a/")
    finally:
        again.close()


@pytest.fixture
def redis_url():
    url = os.environ.get("LIANZHOU_TEST_REDIS_URL")
    if not url:
        pytest.skip("LIANZHOU_TEST_REDIS_URL is not set (tests/test_fleet.py's Redis)")
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


@pytest.mark.parametrize("clean", [True, False])
def test_redis_finish_run_notes_the_walk_for_the_fleet(tmp_path, redis_url, clean):
    store = _redis_store(redis_url)
    fleet = store.fleet
    fleet.join("w1", tmp_path / "locks", None)
    try:
        # Fleet-wide either way: a worker stopped early does not decide for the
        # others (its failures were counted as they happened).
        store.finish_run(f"{fleet.run}.w1", {"http://h/a/", "http://h/b/"}, clean)
        walked = fleet.server.smembers(fleet.run_key("walked"))
        assert walked == {b"http://h/a/", b"http://h/b/"}
        assert not store.column_walked("http://h/a/")  # until the fleet run ends
        assert fleet.run_end.finish()
        assert store.column_walked("http://h/a/") and store.column_walked("http://h/b/")
    finally:
        fleet.leave()


def test_redis_finish_run_after_a_failure_leaves_columns_unwalked(tmp_path, redis_url):
    store = _redis_store(redis_url)
    fleet = store.fleet
    fleet.join("w1", tmp_path / "locks", None)
    try:
        fleet.note_failure()
        store.finish_run(f"{fleet.run}.w1", {"http://h/a/"}, clean=False)
        assert fleet.run_end.finish()
        assert not store.column_walked("http://h/a/")
    finally:
        fleet.leave()


def test_sqlite_finish_run_unsettled_leaves_the_run_open_for_the_next(
    tmp_path, sqlite_store
):
    # Lines were written that the store could not record: the next run's
    # open_run must find this run open and record them from its file.
    sqlite_store.open_run("r1", [str(tmp_path / "r1.jsonl")])
    sqlite_store.finish_run("r1", {"http://h/a/"}, clean=False, settled=False)
    assert _runs(sqlite_store.path) == {"r1": 0}


def test_redis_store_keeps_validators_and_touches_only_known_articles(redis_url):
    """The fleet's validators are shared by its workers, per URL, as in SQLite."""
    store = _redis_store(redis_url)
    assert store.validators("http://h/a") is None
    store.save_validators("http://h/a", Validators('"1"', None))
    store.save_validators("http://h/a", Validators('"2"', "d", '{"entries": []}'))
    assert store.validators("http://h/a") == Validators('"2"', "d", '{"entries": []}')
    assert _redis_store(redis_url).validators("http://h/a") == store.validators(
        "http://h/a"
    )
    assert store.validators("http://h/b") is None
    # A touch of an article the fleet never recorded creates nothing.
    store.touch("404")
    assert store.known("404") is None
