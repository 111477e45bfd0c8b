"""`make demo` runs `python -m localsite.demo`: a full crawl every time it is run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

# localsite sits beside lianzhou_news and is not installed: a child process
# started outside the repository root finds it on PYTHONPATH, as `make demo`
# (run from the root) finds it in its working directory.
ROOT = Path(__file__).resolve().parent.parent


def test_demo_is_a_full_crawl_every_time(tmp_path):
    counts = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "localsite.demo"],
            cwd=tmp_path,
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
        assert result.returncode == 0, result.stderr[-2000:]
        match = re.search(r"demo: wrote (\d+) articles to (\S+)", result.stdout)
        assert match, result.stdout[-1000:]
        assert (tmp_path / match.group(2)).exists()
        counts.append(int(match.group(1)))
        assert "demo: run report (healthy: true) in output/lianzhou/" in result.stdout
    assert counts == [66, 66]
