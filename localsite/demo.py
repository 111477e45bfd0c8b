"""``make demo``: build the offline site, serve it on 127.0.0.1, crawl it for real.

Run from the repository root as ``python -m localsite.demo`` (``python -m`` puts
the current directory on ``sys.path``; localsite is not installed). Writes
``output/lianzhou/<run-id>.jsonl`` in the current directory and ends by saying
how many articles it wrote and where. It starts from the home page alone, as a
first run on the live site does: the columns are discovered there.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from . import build_site, serve
from .build import home_url
from .run import crawl_command, run_crawl


def main() -> int:
    site_dir = Path("build/demo_site")
    # A fresh state every time: the demo is always a full crawl.
    state_dir = Path("build/demo_state")
    shutil.rmtree(site_dir, ignore_errors=True)
    shutil.rmtree(state_dir, ignore_errors=True)
    articles = build_site(site_dir)
    run_id = "demo-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with serve(site_dir) as site:
        urls = [home_url(site.base_url)]
        print(
            f"demo: serving the offline site ({len(articles)} articles) at {site.base_url}"
        )
        print(f"demo: scrapy crawl lianzhou -a start_urls={','.join(urls)}")
        settings = {"LIANZHOU_STATE_DIR": str(state_dir)}
        command = crawl_command(urls, run_id=run_id, settings=settings)
        result = run_crawl(command, Path.cwd(), capture=False)
    output = Path("output/lianzhou") / f"{run_id}.jsonl"
    if result.returncode != 0 or not output.exists():
        print(
            f"demo: the crawl failed (exit status {result.returncode})", file=sys.stderr
        )
        return result.returncode or 1
    with output.open(encoding="utf-8") as lines:
        count = sum(1 for _ in lines)
    print(f"demo: wrote {count} articles to {output}")
    report = output.with_name(f"{run_id}.report.json")
    if report.exists():
        healthy = json.loads(report.read_text(encoding="utf-8"))["healthy"]
        print(f"demo: run report (healthy: {str(healthy).lower()}) in {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
