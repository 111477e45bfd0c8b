"""``make demo``: build the offline site, serve it on 127.0.0.1, crawl it for real.

Run from the repository root as ``python -m localsite.demo`` (``python -m`` puts
the current directory on ``sys.path``; localsite is not installed). Writes
``output/lianzhou/<run-id>.jsonl`` in the current directory and ends by saying
how many articles it wrote and where, and with a command that runs the crawl
again: ``python -m localsite.demo --again`` serves the same site and crawls it
with the same state, as the next scheduled run would (nothing new, so no file).
It starts from the home page alone, as a first run on the live site does: the
columns are discovered there.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from . import build_site, serve
from .build import home_url
from .content import demo_articles
from .run import crawl_command, run_crawl

SITE_DIR = Path("build/demo_site")
STATE_DIR = Path("build/demo_state")


def _here(path: str) -> str:
    """``path`` relative to the current directory when it is under it
    (``.venv/bin/python``), as a reader would type it; else as it is."""
    relative = os.path.relpath(path)
    return relative if not relative.startswith("..") else path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localsite.demo")
    parser.add_argument(
        "--again",
        action="store_true",
        help="crawl the site of the last demo again, with its state (incremental)",
    )
    again = parser.parse_args(argv).again and SITE_DIR.is_dir() and STATE_DIR.is_dir()
    if again:
        articles = demo_articles()
    else:
        # A fresh state every time: the demo is always a full crawl.
        shutil.rmtree(SITE_DIR, ignore_errors=True)
        shutil.rmtree(STATE_DIR, ignore_errors=True)
        articles = build_site(SITE_DIR)
    run_id = "demo-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with serve(SITE_DIR) as site:
        urls = [home_url(site.base_url)]
        print(
            f"demo: serving the offline site ({len(articles)} articles) at {site.base_url}"
        )
        settings = {"LIANZHOU_STATE_DIR": str(STATE_DIR)}
        command = crawl_command(urls, run_id=run_id, settings=settings)
        shown = [_here(str(Path(sys.executable).parent / "scrapy")), *command[3:]]
        print("demo: " + shlex.join(shown), flush=True)
        result = run_crawl(command, Path.cwd(), capture=False)
    output = Path("output/lianzhou") / f"{run_id}.jsonl"
    report = output.with_name(f"{run_id}.report.json")
    if result.returncode != 0 or not report.exists():
        print(
            f"demo: the crawl failed (exit status {result.returncode})", file=sys.stderr
        )
        return result.returncode or 1
    if output.exists():
        with output.open(encoding="utf-8") as lines:
            count = sum(1 for _ in lines)
        print(f"demo: wrote {count} articles to {output}")
    else:
        print("demo: nothing new since the last run, so no articles file")
    healthy = json.loads(report.read_text(encoding="utf-8"))["healthy"]
    print(f"demo: run report (healthy: {str(healthy).lower()}) in {report}")
    print(
        "demo: crawl it again, as the next scheduled run would (same state):"
        f" {shlex.quote(_here(sys.executable))} -m localsite.demo --again"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
