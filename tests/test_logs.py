"""Short, truthful logs: what an operator reads at the default level (INFO).

A healthy run logs no WARNING, and its last line is the summary, naming the
spider that ran; a start that cannot go ahead takes one line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[(?P<logger>[^]]+)\] (?P<level>[A-Z]+): "
)


def records(log: str) -> list[tuple[str, str, str]]:
    """(logger, level, first line) of each record; continuation lines folded in."""
    found = []
    for line in log.splitlines():
        match = _LINE.match(line)
        if match:
            found.append((match["logger"], match["level"], line))
    return found


def assert_short_and_truthful(log: str, spider: str, articles: int) -> None:
    entries = records(log)
    loud = [
        line for _, level, line in entries if level in ("WARNING", "ERROR", "CRITICAL")
    ]
    assert not loud, "\n".join(loud)
    assert "Deprecat" not in log, log[-3000:]
    # Banners, monitors' results and the stats dump are at DEBUG.
    assert len(entries) < 40, log[-3000:]
    assert "Dumping Scrapy stats" not in log and "[Spidermon]" not in log
    last = log.rstrip().splitlines()[-1]
    assert last == entries[-1][2], "the last line is a whole record"
    assert entries[-1][0] == "lianzhou_news.extensions", last
    assert re.search(
        rf"\] INFO: {spider}: {articles} articles written to output/{spider}/\S+\.jsonl"
        r" \(0 failed, .* finish reason finished\): healthy$",
        last,
    ), last


def test_a_healthy_run_logs_no_warning_and_ends_with_its_summary(demo_crawl):
    assert_short_and_truthful(demo_crawl.log, "lianzhou", len(demo_crawl.items()))


def _start(tmp_path, *args: str):
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "lianzhou", *args],
        cwd=tmp_path,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_bad_argument_takes_exactly_one_line(tmp_path):
    result = _start(tmp_path, "-a", "start_urls=ftp://127.0.0.1:9/")
    assert result.returncode == 1
    entries = records(result.stderr)
    # Scrapy's "started" line, then ours; nothing else, no traceback.
    assert [level for _, level, _ in entries] == ["INFO", "ERROR"], result.stderr
    assert len(result.stderr.strip().splitlines()) == 2, result.stderr
    assert entries[-1][2].endswith(
        "ERROR: lianzhou: could not start: start_urls: 'ftp://127.0.0.1:9/'"
        " is not an http(s) URL"
    ), result.stderr


def test_a_bad_setting_takes_exactly_one_line(tmp_path):
    # Twice: the first start opened its run in the state before the pipeline
    # refused the setting; it must not leave the second a run to "reconcile"
    # (a WARNING line of its own).
    for _ in range(2):
        result = _start(
            tmp_path,
            "-s",
            "LIANZHOU_SIMPLIFIED=bogus",
            "-a",
            "start_urls=http://127.0.0.1:9/",
        )
        assert result.returncode == 1
        assert len(result.stderr.strip().splitlines()) == 2, result.stderr
        assert result.stderr.strip().endswith(
            "ERROR: lianzhou: could not start: LIANZHOU_SIMPLIFIED must be one of"
            " ('off', 'alongside', 'replace'), not 'bogus'"
        ), result.stderr


def test_an_unknown_spider_is_a_usage_error_without_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "nosuch"],
        cwd=tmp_path,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2  # docs/operations.md: "wrong command line"
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.rstrip().endswith(
        "error: no spider named 'nosuch' (spiders: lianshan, lianzhou, qingxi, shiling)"
    ), result.stderr
