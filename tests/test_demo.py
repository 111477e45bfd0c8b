"""`make demo` runs `python -m lianzhou_news.demo`: a full crawl every time it is run."""

from __future__ import annotations

import re
import subprocess
import sys


def test_demo_is_a_full_crawl_every_time(tmp_path):
    counts = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "lianzhou_news.demo"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        match = re.search(r"demo: wrote (\d+) articles to (\S+)", result.stdout)
        assert match, result.stdout[-1000:]
        assert (tmp_path / match.group(2)).exists()
        counts.append(int(match.group(1)))
        assert "demo: run report (healthy: true) in output/lianzhou/" in result.stdout
    assert counts == [66, 66]
