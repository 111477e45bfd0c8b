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
        wrote = re.findall(r"demo: wrote (\d+) articles to (\S+)", result.stdout)
        assert len(wrote) == 3, result.stdout[-1000:]
        assert all((tmp_path / path).exists() for _, path in wrote)
        counts.append([(int(n), path.split("/")[1]) for n, path in wrote])
        for spider in ("lianzhou", "qingxi", "shiling"):
            assert (
                f"demo: run report (healthy: true) in output/{spider}/" in result.stdout
            )
    # One county per CMS family: Guangdong platform, TRS WCM, Hanweb.
    assert counts[0] == counts[1] == [(66, "lianzhou"), (42, "qingxi"), (42, "shiling")]
