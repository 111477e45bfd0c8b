"""Crawl throughput, peak memory and incremental cost, against bare Scrapy.

    .venv/bin/python bench/crawl_throughput.py [--articles 5000] [--sizes 1000,5000,20000]

For each size: a synthetic copy of the site (same templates as the offline
site, three columns) is served on 127.0.0.1 by a fast static server in its own
process. Then, with politeness off (no delay, no AutoThrottle, 16 concurrent
requests), the same machine crawls it twice in the same run:

* baseline: a bare Scrapy spider that follows the same links and yields {url};
* ours: ``scrapy crawl lianzhou`` with its full extraction, pipelines, state
  store, durable feed export and health monitors.

Printed: pages/s of both and their ratio (goal: ours >= 0.85 of bare), peak RSS
of each crawl (goal: under 250 MB, flat as the size grows), and then the
requests of a second, incremental run of ours over the unchanged site (goal:
at most 2 listing pages per column, plus robots.txt).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lianzhou_news.localsite import build_site  # noqa: E402
from lianzhou_news.localsite.content import COLUMNS, synthetic_articles  # noqa: E402

BENCH = Path(__file__).resolve().parent
FLAT_OUT = [
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "DOWNLOAD_DELAY_JITTER=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "CONCURRENT_REQUESTS=16",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    "-s", "LOGSTATS_INTERVAL=0",
]  # fmt: skip
BARE_SETTINGS = [
    "-s", "ROBOTSTXT_OBEY=True",
    "-s", "TELNETCONSOLE_ENABLED=False",
    "-s", "REMOTE_CONTROL_ENABLED=False",
    "-s", "FEED_EXPORT_ENCODING=utf-8",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str], cwd: Path, env: dict) -> tuple[dict, str]:
    result_file = cwd / "measure.json"
    completed = subprocess.run(
        [sys.executable, str(BENCH / "_measure.py"), str(result_file), *command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    measured = json.loads(result_file.read_text())
    match = re.search(r"'downloader/response_count': (\d+)", completed.stderr)
    measured["pages"] = int(match.group(1)) if match else 0
    measured["returncode"] = completed.returncode
    return measured, completed.stderr


def bench_size(count: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="lianzhou-bench-") as temp:
        work = Path(temp)
        build_site(work / "site", articles=synthetic_articles(count))
        port = _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                str(BENCH / "static_server.py"),
                str(work / "site"),
                str(port),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            server.stdout.readline()  # "ready"
            urls = ",".join(
                f"http://127.0.0.1:{port}{c.path}index.html" for c in COLUMNS.values()
            )
            plain_env = {
                k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"
            }
            bare_dir, ours_dir = work / "bare", work / "ours"
            bare_dir.mkdir()
            ours_dir.mkdir()
            bare, _ = _run(
                ["scrapy", "runspider", str(BENCH / "bare_spider.py"), "-a", f"start_urls={urls}",
                 "-O", "bare.jsonl", *FLAT_OUT, *BARE_SETTINGS],
                bare_dir,
                plain_env,
            )  # fmt: skip
            ours_env = {**plain_env, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
            ours_command = [
                "scrapy",
                "crawl",
                "lianzhou",
                "-a",
                f"start_urls={urls}",
                *FLAT_OUT,
            ]
            ours, log = _run([*ours_command, "-a", "run_id=full"], ours_dir, ours_env)
            _run([*ours_command, "-a", "run_id=again"], ours_dir, ours_env)
            report = json.loads(
                (ours_dir / "output/lianzhou/again.report.json").read_text()
            )
            items = sum(1 for _ in (ours_dir / "output/lianzhou/full.jsonl").open())
        finally:
            server.terminate()
            server.wait()
    return {
        "articles": count,
        "bare": bare,
        "ours": ours,
        "ours_items": items,
        "incremental_requests": report["requests"],
        "incremental_items": report["items"]["new"] + report["items"]["updated"],
        "ours_log_tail": log[-400:] if ours["returncode"] else "",
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 1000,5000,20000")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.articles]
    print(f"machine: {os.cpu_count()} cores; politeness off, 16 concurrent requests")
    print(
        f"{'articles':>9} {'crawler':<15} {'pages':>7} {'seconds':>8} {'pages/s':>8} {'peak MB':>8}"
    )
    for count in sizes:
        result = bench_size(count)
        rates = {}
        for name, label in (("bare", "bare scrapy"), ("ours", "lianzhou_news")):
            run = result[name]
            rates[name] = run["pages"] / run["seconds"]
            print(
                f"{count:>9} {label:<15} {run['pages']:>7} {run['seconds']:>8.2f} "
                f"{rates[name]:>8.1f} {run['peak_rss_mb']:>8.1f}"
            )
        print(
            f"{'':>9} ratio ours/bare pages/s: {rates['ours'] / rates['bare']:.2f} (goal >= 0.85)"
        )
        print(f"{'':>9} items written by ours: {result['ours_items']} of {count}")
        requests = result["incremental_requests"]
        print(
            f"{'':>9} incremental run over the unchanged site: {requests['listing']} listing, "
            f"{requests['article']} article, {requests['other']} other request(s), "
            f"{result['incremental_items']} item(s) (goal: <= {2 * len(COLUMNS)} listing + robots.txt)"
        )
        if result["ours_log_tail"]:
            print(result["ours_log_tail"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
