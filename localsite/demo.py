"""``make demo``: build the offline counties, serve each on 127.0.0.1, crawl it for real.

Three counties, one per CMS family: 连州 (Guangdong platform), 青溪 (TRS WCM),
石岭 (Hanweb).

Run from the repository root as ``python -m localsite.demo`` (``python -m`` puts
the current directory on ``sys.path``; localsite is not installed). Writes
``output/<spider>/<run-id>.jsonl`` in the current directory and says, for
each county, how many articles it wrote and where.
"""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

from . import build_site, serve
from .build import start_urls
from .hanweb import build_hanweb_site, hanweb_start_urls
from .run import crawl_command, run_crawl
from .trs import build_trs_site, trs_start_urls

#: The offline counties the demo crawls: (spider, builder, start URLs), one
#: per CMS family: the Guangdong platform, TRS WCM, Hanweb.
COUNTIES = (
    ("lianzhou", build_site, start_urls),
    ("qingxi", build_trs_site, trs_start_urls),
    ("shiling", build_hanweb_site, hanweb_start_urls),
)


def main() -> int:
    for spider, build, starts in COUNTIES:
        status = crawl_county(spider, build, starts)
        if status:
            return status
    return 0


def crawl_county(spider: str, build, starts) -> int:
    site_dir = Path("build/demo_site") / spider
    # A fresh state every time: the demo is always a full crawl.
    state_dir = Path("build/demo_state") / spider
    shutil.rmtree(site_dir, ignore_errors=True)
    shutil.rmtree(state_dir, ignore_errors=True)
    articles = build(site_dir)
    run_id = "demo-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with serve(site_dir) as site:
        urls = starts(site.base_url)
        print(
            f"demo: serving the offline county {spider} ({len(articles)} articles) at {site.base_url}"
        )
        print(f"demo: scrapy crawl {spider} -a start_urls={','.join(urls)}")
        settings = {"LIANZHOU_STATE_DIR": str(state_dir)}
        command = crawl_command(urls, spider=spider, run_id=run_id, settings=settings)
        result = run_crawl(command, Path.cwd(), capture=False)
    output = Path("output") / spider / f"{run_id}.jsonl"
    if result.returncode != 0 or not output.exists():
        print(
            f"demo: the crawl of {spider} failed (exit status {result.returncode})",
            file=sys.stderr,
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
