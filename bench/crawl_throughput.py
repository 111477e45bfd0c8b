"""Crawl throughput, peak memory and incremental cost, against bare Scrapy.

    .venv/bin/python bench/crawl_throughput.py [--articles 5000] [--sizes 1000,5000,20000]
        [--rounds 3] [--extract-processes N] [--tuned-bare]

For each size: a synthetic copy of the site (same templates as the offline
site, three columns) is served on 127.0.0.1 by a fast static server in its own
process. Then, with politeness off (no delay, no AutoThrottle, 16 concurrent
requests), the same machine crawls it in turns, ``--rounds`` times:

* baseline: a bare Scrapy spider that follows the same links and yields {url},
  with Scrapy's default settings (and with ``--tuned-bare``, once more with our
  ``CONCURRENT_ITEMS = 1``);
* ours: ``scrapy crawl lianzhou`` with its full extraction, pipelines, state
  store, durable feed export and health monitors, extraction in the crawler's
  thread;
* ours with N extraction workers (``LIANZHOU_EXTRACT_PROCESSES``, default:
  cores - 1), the backfill setting.

Printed: median pages/s of each and their ratio to the baseline's (goal: ours
>= 0.85 of bare), with the range of the per-round ratios; each crawler
process's CPU per page; peak memory (goal: under 250 MB, flat as the size
grows); and the requests of a second, incremental run of ours over the
unchanged site (goal: at most 2 listing pages per column, plus robots.txt).
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
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from localsite import build_site  # noqa: E402
from localsite.content import COLUMNS, synthetic_articles  # noqa: E402

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


def _crawl_ours(work: Path, urls: str, env: dict, processes: int, run_id: str):
    command = [
        "scrapy", "crawl", "lianzhou", "-a", f"start_urls={urls}", "-a", f"run_id={run_id}",
        "-s", f"LIANZHOU_EXTRACT_PROCESSES={processes}", *FLAT_OUT,
        # Pages are counted from Scrapy's stats dump, as for the bare spider
        # (our settings log it at DEBUG only).
        "-s", "STATS_DUMP=True",
    ]  # fmt: skip
    return _run(command, work, env)


def bench_size(count: int, pools: list[int], rounds: int, tuned_bare: bool) -> dict:
    """Crawl a site of ``count`` articles with bare Scrapy and with ours (once
    per extraction setting in ``pools``), interleaved, ``rounds`` times; each of
    our runs starts from an empty state store, in its own folder. ``tuned_bare``:
    also bare Scrapy with our ``CONCURRENT_ITEMS = 1``."""
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
        bares = {"bare": [], "bare_tuned": []} if tuned_bare else {"bare": []}
        runs: dict[str, list[dict]] = {**bares, **{f"ours{n}": [] for n in pools}}
        try:
            server.stdout.readline()  # "ready"
            urls = ",".join(
                f"http://127.0.0.1:{port}{c.path}index.html" for c in COLUMNS.values()
            )
            plain_env = {
                k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"
            }
            ours_env = {**plain_env, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
            for round_ in range(rounds):
                for key in bares:
                    bare_dir = work / f"{key}-{round_}"
                    bare_dir.mkdir()
                    tuned = ["-s", "CONCURRENT_ITEMS=1"] if key == "bare_tuned" else []
                    bare, _ = _run(
                        ["scrapy", "runspider", str(BENCH / "bare_spider.py"), "-a", f"start_urls={urls}",
                         "-O", "bare.jsonl", *FLAT_OUT, *BARE_SETTINGS, *tuned],
                        bare_dir,
                        plain_env,
                    )  # fmt: skip
                    runs[key].append(bare)
                    _progress(count, round_, rounds, _label(key), bare)
                for processes in pools:
                    ours_dir = work / f"ours-{processes}-{round_}"
                    ours_dir.mkdir()
                    ours, log = _crawl_ours(ours_dir, urls, ours_env, processes, "full")
                    output = ours_dir / "output/lianzhou/full.jsonl"
                    ours["items"] = (
                        sum(1 for _ in output.open()) if output.exists() else 0
                    )
                    ours["log_tail"] = log[-600:] if ours["returncode"] else ""
                    runs[f"ours{processes}"].append(ours)
                    _progress(count, round_, rounds, _label(f"ours{processes}"), ours)
            # The incremental run: ours again over the unchanged site.
            _crawl_ours(ours_dir, urls, ours_env, processes, "again")
            report = json.loads(
                (ours_dir / "output/lianzhou/again.report.json").read_text()
            )
        finally:
            server.terminate()
            server.wait()
    return {
        "articles": count,
        "runs": runs,
        "incremental_requests": report["requests"],
        "incremental_items": report["items"]["new"] + report["items"]["updated"],
    }


def _progress(count: int, round_: int, rounds: int, label: str, run: dict) -> None:
    """One line per crawl, on stderr, so a long bench is never silent."""
    print(
        f"  [{count} articles, round {round_ + 1}/{rounds}] {label}: "
        f"{run['pages']} pages in {run['seconds']:.1f} s "
        f"({run['pages'] / max(run['seconds'], 1e-9):.0f} pages/s), "
        f"load {os.getloadavg()[0]:.2f}",
        file=sys.stderr,
        flush=True,
    )


def _label(key: str) -> str:
    if key == "bare":
        return "bare scrapy"
    if key == "bare_tuned":
        return "bare, CONCURRENT_ITEMS=1"
    if key == "ours0":
        return "lianzhou_news"
    return f"lianzhou_news, {key[4:]} extractor(s)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 1000,5000,20000")
    parser.add_argument(
        "--extract-processes",
        type=int,
        default=max(1, (os.cpu_count() or 2) - 1),
        help="worker processes for the pooled run of ours (default: cores - 1)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds; medians are printed (default: 3)",
    )
    parser.add_argument(
        "--tuned-bare",
        action="store_true",
        help="also crawl with bare Scrapy given our CONCURRENT_ITEMS = 1, and print"
        " our ratios against it",
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.articles]
    pools = [0, args.extract_processes] if args.extract_processes else [0]
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f} at the start; politeness off, 16 concurrent requests; "
        f"median of {args.rounds} interleaved round(s)",
        flush=True,
    )
    print(
        f"{'articles':>9} {'crawler':<28} {'pages':>6} {'seconds':>8} {'pages/s':>8} "
        f"{'ratio':>6} {'range':>10} {'CPU s':>6} {'RSS MB':>6} {'all MB':>6}"
    )
    status = 0
    for count in sizes:
        result = bench_size(count, pools, args.rounds, args.tuned_bare)
        bare_rates = [r["pages"] / r["seconds"] for r in result["runs"]["bare"]]
        for key, runs in result["runs"].items():
            rates = [r["pages"] / r["seconds"] for r in runs]
            ratios = [rate / bare for rate, bare in zip(rates, bare_rates, strict=True)]
            print(
                f"{count:>9} {_label(key):<28} {median([r['pages'] for r in runs]):>6.0f} "
                f"{median([r['seconds'] for r in runs]):>8.2f} {median(rates):>8.1f} "
                f"{median(rates) / median(bare_rates):>6.2f} "
                f"{min(ratios):>4.2f}-{max(ratios):<4.2f} "
                f"{median([r['cpu_seconds'] for r in runs]):>6.1f} "
                f"{max(r['peak_rss_mb'] for r in runs):>6.0f} "
                f"{max(r['peak_tree_mb'] for r in runs):>6.0f}"
            )
        print(
            f"{'':>9} ratio ours/bare pages/s: median rate over median rate (goal >= 0.85);"
            " range: per-round ratios"
        )
        # What each crawler's own process spends per page (extraction workers
        # not counted): the rate it could reach given cores to spare for the
        # server and the workers. A bound, not a measured rate.
        if args.tuned_bare:
            tuned_rate = median(
                r["pages"] / r["seconds"] for r in result["runs"]["bare_tuned"]
            )
            print(
                f"{'':>9} against bare scrapy with CONCURRENT_ITEMS=1 (as ours): "
                + ", ".join(
                    f"{_label(key)} {median(r['pages'] / r['seconds'] for r in runs) / tuned_rate:.2f}"
                    for key, runs in result["runs"].items()
                    if key.startswith("ours")
                )
            )
        per_page = {
            key: median([r["cpu_seconds"] / r["pages"] for r in runs]) * 1000
            for key, runs in result["runs"].items()
        }
        print(
            f"{'':>9} crawler-process CPU per page: "
            + ", ".join(
                f"{_label(key)} {ms:.2f} ms (ratio {per_page['bare'] / ms:.2f})"
                for key, ms in per_page.items()
            )
        )
        written = [
            r["items"]
            for key in result["runs"]
            if key.startswith("ours")
            for r in result["runs"][key]
        ]
        print(
            f"{'':>9} items written by ours: {min(written)} of {count} (every run: {written})"
        )
        requests = result["incremental_requests"]
        print(
            f"{'':>9} incremental run over the unchanged site: {requests['listing']} listing, "
            f"{requests['article']} article, {requests['other']} other request(s), "
            f"{result['incremental_items']} item(s) (goal: <= {2 * len(COLUMNS)} listing + robots.txt)"
        )
        for key, runs in result["runs"].items():
            for run in runs:
                if key.startswith("ours") and run["log_tail"]:
                    status = 1
                    print(f"{key} exited {run['returncode']}:\n{run['log_tail']}")
    load = os.getloadavg()
    print(f"machine: load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")
    return status


if __name__ == "__main__":
    sys.exit(main())
