"""Benchmarks are not tests and nothing here is timed: this only keeps the
bench scripts from rotting, by running each on a tiny size."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def test_compare_peers_runs_and_prints_both_tables():
    result = subprocess.run(
        [sys.executable, str(BENCH / "compare_peers.py"), "--limit", "2"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "Golden corpus" in result.stdout and "Hand-labelled real pages" in result.stdout
    )
    for name in ("lianzhou_news", "gne", "trafilatura"):
        assert name in result.stdout
    assert "(2 pages)" in result.stdout


def test_crawl_throughput_runs_on_a_tiny_site():
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "crawl_throughput.py"),
            "--articles",
            "60",
            "--rounds",
            "1",
            "--extract-processes",
            "1",
            "--tuned-bare",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "ratio ours/bare pages/s" in result.stdout
    assert "crawler-process CPU per page: bare scrapy" in result.stdout
    for crawler in (
        "bare scrapy",
        "bare, CONCURRENT_ITEMS=1",
        "lianzhou_news ",
        "lianzhou_news, 1 extractor(s)",
    ):
        assert f" {crawler}" in result.stdout
    assert re.search(
        r"against bare scrapy with CONCURRENT_ITEMS=1 \(as ours\): lianzhou_news \d\.\d\d, "
        r"lianzhou_news, 1 extractor\(s\) \d\.\d\d",
        result.stdout,
    ), result.stdout
    assert "items written by ours: 60 of 60 (every run: [60, 60])" in result.stdout
    # Progress while it runs: one line per crawl, with the machine's load.
    progress = re.findall(
        r"^  \[60 articles, round 1/1\] (.+?): \d+ pages in [\d.]+ s "
        r"\(\d+ pages/s\), load [\d.]+$",
        result.stderr,
        re.M,
    )
    assert progress == [
        "bare scrapy",
        "bare, CONCURRENT_ITEMS=1",
        "lianzhou_news",
        "lianzhou_news, 1 extractor(s)",
    ], result.stderr
    assert re.search(r"^machine: \d+ cores, load average [\d.]+ ", result.stdout, re.M)
    # One 304 per column, plus page 2 of 部门动态, whose first page lists links
    # no run records (off-site, robots.txt): docs/conditional-requests.md.
    assert (
        "incremental run over the unchanged site: 4 listing, 0 article" in result.stdout
    )


def test_state_memory_runs_on_a_tiny_store():
    result = subprocess.run(
        [sys.executable, str(BENCH / "state_memory.py"), "--sizes", "50,100"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("x\n") == 2  # one line, with its ratio, per size
