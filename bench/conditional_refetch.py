"""Requests and bytes of an incremental run over an unchanged site, against a full walk.

    .venv/bin/python bench/conditional_refetch.py [--articles 2000] [--rounds 3]

A synthetic copy of the site (same templates as the offline site, three
columns) is served on 127.0.0.1 by aiohttp's static file handler in its own
process: a stock static server that sends ``ETag`` and ``Last-Modified`` and
answers ``304`` to matching validators, as county portals' servers do. Each
round, in a fresh folder (an empty state):

1. **full walk**: ``scrapy crawl lianzhou`` from an empty state: every
   listing page, every article;
2. **incremental**: the same command again over the unchanged site (the
   defaults: validators sent, ``LIANZHOU_REVISIT_PAGES`` = 2);
3. **incremental, no validators**: again with
   ``LIANZHOU_CONDITIONAL_REQUESTS=False``, what the same walk costs without
   conditional requests;
4. **incremental, all due**: again with ``LIANZHOU_REFETCH_AFTER_DAYS=0``, so
   every article on the revisited pages is refetched (a day later, they are):
   each costs a 304.

Printed: requests by kind and bytes received (all, and listing pages only),
medians and ranges over the rounds, each incremental run's ratio to the full
walk's listing bytes, and the machine's load (``uptime``) before and after.
Goals (issue 16): at most one listing request per column plus robots.txt, and
at most 5% of the bytes of the full listing walk.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from localsite import build_site  # noqa: E402
from localsite.content import COLUMNS, synthetic_articles  # noqa: E402

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from crawl_throughput import FLAT_OUT, _free_port  # noqa: E402

RUNS = {
    "full walk": [],
    "incremental": [],
    "incremental, no validators": ["-s", "LIANZHOU_CONDITIONAL_REQUESTS=False"],
    "incremental, all due": ["-s", "LIANZHOU_REFETCH_AFTER_DAYS=0"],
}


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _crawl(work: Path, urls: str, run_id: str, extra: list[str]) -> dict:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
    command = [
        sys.executable, "-m", "scrapy", "crawl", "lianzhou",
        "-a", f"start_urls={urls}", "-a", f"run_id={run_id}", *FLAT_OUT, *extra,
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=work, env=env, capture_output=True)
    report_path = work / f"output/lianzhou/{run_id}.report.json"
    if not report_path.exists():
        raise SystemExit(
            f"{run_id}: no report (exit {completed.returncode}):\n"
            + completed.stderr.decode(errors="replace")[-2000:]
        )
    report = json.loads(report_path.read_text())
    output = work / f"output/lianzhou/{run_id}.jsonl"
    conditional = report["conditional"]
    return {
        "returncode": completed.returncode,
        "healthy": report["healthy"],
        "items": sum(1 for _ in output.open()) if output.exists() else 0,
        "listing": report["requests"]["listing"],
        "article": report["requests"]["article"],
        "other": report["requests"]["other"],
        "not_modified": conditional["not_modified"],
        "bytes": conditional["bytes_received"],
        "listing_bytes": conditional["bytes_listing"],
    }


def bench(articles: int, rounds: int) -> dict:
    results: dict[str, list[dict]] = {name: [] for name in RUNS}
    with tempfile.TemporaryDirectory(prefix="lianzhou-conditional-") as temp:
        work = Path(temp)
        build_site(work / "site", articles=synthetic_articles(articles))
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, str(BENCH / "static_server.py"), str(work / "site"), str(port)],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        try:
            server.stdout.readline()  # "ready"
            urls = ",".join(
                f"http://127.0.0.1:{port}{c.path}index.html" for c in COLUMNS.values()
            )
            for round_ in range(rounds):
                folder = work / f"round-{round_}"
                folder.mkdir()
                for index, (name, extra) in enumerate(RUNS.items()):
                    results[name].append(_crawl(folder, urls, f"r{index}", extra))
        finally:
            server.terminate()
            server.wait()
    return results


def _summary(values: list[float]) -> str:
    low, high = min(values), max(values)
    middle = median(values)
    if low == high:
        return f"{middle:,.0f}"
    return f"{middle:,.0f} ({low:,.0f}–{high:,.0f})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    columns = len(COLUMNS)
    print(f"load before: {_uptime()}")
    results = bench(args.articles, args.rounds)
    print(f"load after:  {_uptime()}")
    print(
        f"\n{args.articles} articles, {columns} columns, {args.rounds} rounds; "
        "medians (range over rounds)\n"
    )
    full_listing = [run["listing_bytes"] for run in results["full walk"]]
    header = (
        "| run | listing requests | article requests | other | 304s | items "
        "| bytes, all | bytes, listing pages | all bytes / full listing walk |"
    )
    print(header)
    print("|---" * 9 + "|")
    failures = []
    for name, runs in results.items():
        ratios = [
            100 * run["bytes"] / full
            for run, full in zip(runs, full_listing, strict=True)
        ]
        ratio = f"{median(ratios):.2f}% ({min(ratios):.2f}–{max(ratios):.2f}%)"
        print(
            f"| {name} | {_summary([r['listing'] for r in runs])} "
            f"| {_summary([r['article'] for r in runs])} "
            f"| {_summary([r['other'] for r in runs])} "
            f"| {_summary([r['not_modified'] for r in runs])} "
            f"| {_summary([r['items'] for r in runs])} "
            f"| {_summary([r['bytes'] for r in runs])} "
            f"| {_summary([r['listing_bytes'] for r in runs])} | {ratio} |"
        )
        for run in runs:
            if run["returncode"] or not run["healthy"]:
                failures.append(
                    f"{name}: exit {run['returncode']}, healthy {run['healthy']}"
                )
    incremental = results["incremental"]
    per_column = max(run["listing"] for run in incremental) / columns
    worst = max(
        100 * run["bytes"] / full
        for run, full in zip(incremental, full_listing, strict=True)
    )
    print(
        f"\nincremental (defaults): {per_column:g} listing requests per column "
        f"(goal: 1), {max(r['other'] for r in incremental)} other (robots.txt); "
        f"all its bytes are at most {worst:.2f}% of the full listing walk's (goal: 5%)"
    )
    for failure in failures:
        print(f"FAILED RUN: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
