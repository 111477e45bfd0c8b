"""`make demo` runs `python -m localsite.demo`: a full crawl every time it is run."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

# localsite sits beside lianzhou_news and is not installed: a child process
# started outside the repository root finds it on PYTHONPATH, as `make demo`
# (run from the root) finds it in its working directory.
ROOT = Path(__file__).resolve().parent.parent


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        command,
        cwd=cwd,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), os.environ.get("PYTHONPATH", "")]
            ),
        },
        capture_output=True,
        text=True,
        timeout=240,
    )


def test_demo_is_a_full_crawl_every_time(tmp_path):
    counts = []
    for _ in range(2):
        result = _run([sys.executable, "-m", "localsite.demo"], tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        wrote = re.findall(r"demo: wrote (\d+) articles to (\S+)", result.stdout)
        assert len(wrote) == 3, result.stdout[-1000:]
        assert all((tmp_path / path).exists() for _, path in wrote)
        counts.append([(int(n), path.split("/")[1]) for n, path in wrote])
        for spider in ("lianzhou", "qingxi", "shiling"):
            assert (
                f"demo: run report (healthy: true) in output/{spider}/" in result.stdout
            )
            # From the home page alone: the columns were discovered there.
            assert re.search(
                rf"scrapy crawl {spider} -a 'start_urls=http://127\.0\.0\.1:\d+/'",
                result.stdout,
            ) or re.search(
                rf"scrapy crawl {spider} -a start_urls=http://127\.0\.0\.1:\d+/ ",
                result.stdout,
            ), result.stdout
    # One county per CMS family: Guangdong platform, TRS WCM, Hanweb.
    assert counts[0] == counts[1] == [(66, "lianzhou"), (42, "qingxi"), (42, "shiling")]


def test_demo_ends_with_a_command_that_runs_again(tmp_path):
    first = _run([sys.executable, "-m", "localsite.demo"], tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    last = first.stdout.rstrip().splitlines()[-1]
    prefix = "demo: crawl them again, as the next scheduled run would (same state): "
    assert last.startswith(prefix), last
    command = shlex.split(last.removeprefix(prefix))
    for _ in range(2):  # again, and again
        again = _run(command, tmp_path)
        assert again.returncode == 0, again.stderr[-2000:]
        for spider in ("lianzhou", "qingxi", "shiling"):
            assert (
                f"demo: {spider}: nothing new since the last run, so no articles file"
                in again.stdout
            )
        assert again.stdout.count("demo: run report (healthy: true)") == 3
        assert again.stdout.rstrip().splitlines()[-1] == last
        assert "0 articles written (no file written)" in again.stderr
    for spider in ("lianzhou", "qingxi", "shiling"):
        assert len(list((tmp_path / f"output/{spider}").glob("*.jsonl"))) == 1
