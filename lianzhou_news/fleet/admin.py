"""What ``scrapy fleet`` reports and does: a fleet run's status, a lost worker's release."""

from __future__ import annotations

from .membership import FleetError


def status(fleet) -> dict:
    """The spider's current fleet run, as ``scrapy fleet SPIDER`` prints it."""
    server, key, run_key = fleet.server, fleet.key, fleet.run_key
    current = server.get(key("current"))
    run = current.decode() if current else None
    workers = {}
    if run:
        for name in sorted(server.smembers(run_key("workers", run))):
            worker = name.decode()
            workers[worker] = {
                "alive": fleet.membership.is_alive(worker),
                "in_flight": fleet.claims.in_flight(worker, run),
            }
    return {
        "spider": fleet.spider_name,
        "run": run,
        "queued": server.zcard(run_key("requests", run)) if run else 0,
        "seen_requests": server.scard(run_key("dupefilter", run)) if run else 0,
        "workers": workers,
        "articles_known": server.hlen(key("articles")),
        "columns_walked": server.hlen(key("columns")),
        "reserved": server.hlen(key("pending")),
        "held_by_stopped_workers": fleet.articles.held(),
        "carried_to_next_run": server.llen(key("carry")),
    }


def release(fleet, worker: str) -> int:
    """Give a stopped worker's reserved articles back to the queue, for a worker
    that will never restart (``Articles.release_worker``); FleetError if it is
    alive."""
    if fleet.membership.is_alive(worker):
        raise FleetError(f"worker {worker} is alive; stop it first")
    return fleet.articles.release_worker(worker)
