"""Discovery in distributed mode: two fleet workers started from the home page
alone share one crawl, and the columns found are remembered in Redis for the
fleet's next run (``LIANZHOU_TEST_REDIS_URL``, as in ``tests/test_fleet.py``)."""

from __future__ import annotations

from .test_fleet import (  # noqa: F401  (fixtures, found by pytest by name)
    _emitted,
    _reports,
    _worker,
    redis_server,
    redis_url,
    site,
)


def _home_worker(site, redis_url, cwd, name):  # noqa: F811
    return _worker(site, redis_url, cwd, name, urls=[site.base_url + "/"])


def test_two_workers_from_the_home_page_emit_every_article_once(
    tmp_path,
    site,  # noqa: F811
    redis_url,  # noqa: F811
):
    workers = [_home_worker(site, redis_url, tmp_path, n) for n in ("w1", "w2")]
    assert [w.wait(timeout=180) for w in workers] == [0, 0]
    emitted = _emitted(tmp_path)
    assert set(emitted) == {a.article_id for a in site.articles}
    assert max(emitted.values()) == 1, emitted.most_common(3)
    # The home page was read once, by the worker that took the seed.
    assert [hit.path for hit in site.hits].count("/") == 1
    reports = _reports(tmp_path)
    assert [r["healthy"] for r in reports] == [True, True]
    found = [r["columns"] for r in reports if r["columns"]]
    assert [[c["name"] for c in columns] for columns in found] == [
        ["连州要闻", "政务要闻", "部门动态"]
    ]

    # The fleet's next run takes the columns from Redis: no home page.
    site.hits.clear()
    workers = [_home_worker(site, redis_url, tmp_path, n) for n in ("w1", "w2")]
    assert [w.wait(timeout=180) for w in workers] == [0, 0]
    assert "/" not in [hit.path for hit in site.hits]
    assert _emitted(tmp_path) == emitted
