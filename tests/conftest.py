"""Shared fixtures: golden cases, and one real crawl of the offline site per session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from lianzhou_news.extract import extract_article, response_from_file

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class GoldenCase:
    """A saved page (raw bytes), its fetch metadata, and the reviewed expected item."""

    name: str
    page: Path
    meta: dict
    expected: dict

    def extract(self):
        response = response_from_file(
            self.page, self.meta["url"], self.meta.get("headers")
        )
        return extract_article(
            response,
            now=datetime.fromisoformat(self.meta["fetched_at"].replace("Z", "+00:00")),
            site="连州市融媒体中心",
            listing_channel=self.meta.get("listing_channel"),
            listing_date=self.meta.get("listing_date"),
        )


GOLDEN_DIRS = ("lianzhou", "variants")


def golden_cases(*dirs: str) -> list[GoldenCase]:
    """Every reviewed case in ``tests/fixtures/<dir>/`` (default: all golden dirs)."""
    cases = []
    pages = [
        page
        for d in dirs or GOLDEN_DIRS
        for page in sorted((FIXTURES / d).glob("*.html"))
    ]
    for page in pages:
        stem = page.with_suffix("")
        cases.append(
            GoldenCase(
                name=page.stem,
                page=page,
                meta=json.loads(
                    stem.with_suffix(".meta.json").read_text(encoding="utf-8")
                ),
                expected=json.loads(
                    stem.with_suffix(".expected.json").read_text(encoding="utf-8")
                ),
            )
        )
    return cases


@dataclass
class Crawl:
    """One real `scrapy crawl lianzhou` over the offline site, and what it left."""

    returncode: int
    log: str
    output: Path
    hits: list  # every request the site answered: Hit(host, path, status)
    site_host: str  # "127.0.0.1:PORT"
    offsite_host: str  # "localhost:PORT", the same server under a name no crawl may use
    articles: list  # the site's ground truth (lianzhou_news.localsite.content.Article)

    def items(self) -> list[dict]:
        with self.output.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines]


def crawl_local_site(
    workdir: Path,
    run_id: str = "e2e",
    extra_args=None,
    site_dir: Path | None = None,
    paths: list[str] | None = None,
) -> Crawl:
    """Build and serve the offline site and run the real crawl over it.

    ``paths``: the listing pages to start from (default: every column and the mirror).
    """
    from lianzhou_news.localsite import build_site, serve
    from lianzhou_news.localsite.build import start_urls
    from lianzhou_news.localsite.run import crawl_command, run_crawl

    site_dir = site_dir or workdir / "site"
    articles = build_site(site_dir)
    workdir.mkdir(parents=True, exist_ok=True)
    with serve(site_dir) as site:
        urls = (
            [site.base_url + p for p in paths] if paths else start_urls(site.base_url)
        )
        command = crawl_command(urls, run_id=run_id, extra_args=extra_args)
        result = run_crawl(command, workdir, timeout=240)
    return Crawl(
        returncode=result.returncode,
        log=result.stderr,
        output=workdir / "output" / "lianzhou" / f"{run_id}.jsonl",
        hits=list(site.hits),
        site_host=site.base_url.removeprefix("http://"),
        offsite_host=site.offsite_host,
        articles=articles,
    )


@pytest.fixture(scope="session")
def demo_crawl(tmp_path_factory) -> Crawl:
    """The crawl `make demo` runs, once per test session, shared read-only."""
    crawl = crawl_local_site(tmp_path_factory.mktemp("crawl"))
    assert crawl.returncode == 0, crawl.log[-3000:]
    return crawl
