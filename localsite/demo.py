"""``make demo``: build the offline counties, serve each on 127.0.0.1, crawl it for real.

Three counties, one per CMS family: 连州 (the Guangdong platform), 青溪 (TRS
WCM) and 石岭 (Hanweb). Each crawl starts from the county's home page alone, as
a first run on the live site does: the columns are discovered there.

Run from the repository root as ``python -m localsite.demo`` (``python -m`` puts
the current directory on ``sys.path``; localsite is not installed). Writes
``output/<spider>/<run-id>.jsonl`` in the current directory and says, for each
county, how many articles it wrote and where; it ends with a command that runs
the crawls again: ``python -m localsite.demo --again`` serves the same sites and
crawls them with the same state, as the next scheduled run would (nothing new,
so no file).
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
from .hanweb import build_hanweb_site
from .run import crawl_command, run_crawl
from .trs import build_trs_site

SITE_DIR = Path("build/demo_site")
STATE_DIR = Path("build/demo_state")

#: The offline counties the demo crawls: (spider, builder), one per CMS
#: family: the Guangdong platform, TRS WCM, Hanweb.
COUNTIES = (
    ("lianzhou", build_site),
    ("qingxi", build_trs_site),
    ("shiling", build_hanweb_site),
)


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
        help="crawl the sites of the last demo again, with their state (incremental)",
    )
    again = parser.parse_args(argv).again
    for spider, build in COUNTIES:
        status = crawl_county(spider, build, again=again)
        if status:
            return status
    print(
        "demo: crawl them again, as the next scheduled run would (same state):"
        f" {shlex.quote(_here(sys.executable))} -m localsite.demo --again"
    )
    return 0


def crawl_county(spider: str, build, *, again: bool = False) -> int:
    site_dir, state_dir = SITE_DIR / spider, STATE_DIR / spider
    if again and site_dir.is_dir() and state_dir.is_dir():
        articles = None
    else:
        # A fresh state: the demo's first crawl is always a full one.
        shutil.rmtree(site_dir, ignore_errors=True)
        shutil.rmtree(state_dir, ignore_errors=True)
        articles = build(site_dir)
    run_id = "demo-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    with serve(site_dir) as site:
        urls = [home_url(site.base_url)]
        count = "" if articles is None else f" ({len(articles)} articles)"
        print(f"demo: serving the offline county {spider}{count} at {site.base_url}")
        settings = {"LIANZHOU_STATE_DIR": str(state_dir)}
        command = crawl_command(urls, spider=spider, run_id=run_id, settings=settings)
        shown = [_here(str(Path(sys.executable).parent / "scrapy")), *command[3:]]
        print("demo: " + shlex.join(shown), flush=True)
        result = run_crawl(command, Path.cwd(), capture=False)
    output = Path("output") / spider / f"{run_id}.jsonl"
    report = output.with_name(f"{run_id}.report.json")
    if result.returncode != 0 or not report.exists():
        print(
            f"demo: the crawl of {spider} failed (exit status {result.returncode})",
            file=sys.stderr,
        )
        return result.returncode or 1
    if output.exists():
        with output.open(encoding="utf-8") as lines:
            written = sum(1 for _ in lines)
        print(f"demo: wrote {written} articles to {output}")
    else:
        print(f"demo: {spider}: nothing new since the last run, so no articles file")
    healthy = json.loads(report.read_text(encoding="utf-8"))["healthy"]
    print(f"demo: run report (healthy: {str(healthy).lower()}) in {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
