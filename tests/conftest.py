"""Shared fixtures: golden cases, and one real crawl of the offline site per session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from lianzhou_news.evaluation import GOLDEN_DIRS, GoldenCase, load_cases

FIXTURES = Path(__file__).parent / "fixtures"


def golden_cases(*dirs: str) -> list[GoldenCase]:
    """Every reviewed case in ``tests/fixtures/<dir>/`` (default: all golden dirs)."""
    return load_cases(FIXTURES, dirs or GOLDEN_DIRS)


@dataclass
class Crawl:
    """One real `scrapy crawl lianzhou` over the offline site, and what it left."""

    returncode: int
    log: str
    output: Path
    hits: list  # every request the site answered: Hit(host, path, status)
    site_host: str  # "127.0.0.1:PORT"
    offsite_host: str  # "localhost:PORT", the same server under a name no crawl may use
    articles: list  # the site's ground truth (localsite.content.Article)

    def report(self) -> dict:
        path = self.output.with_name(self.output.stem + ".report.json")
        return json.loads(path.read_text(encoding="utf-8"))

    def items(self) -> list[dict]:
        """The run's items; none when it left no file (a run with nothing new
        writes none, only its report)."""
        if not self.output.exists():
            assert self.report()["items_file"] is None
            return []
        with self.output.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines]


def correct_article(site_dir: Path, article) -> str:
    """Edit a built article page as a newsroom would: a correction appended to
    its first paragraph (``（记者 更正）``). Returns the paragraph as it was."""
    from localsite.build import article_path

    page = site_dir / article_path(article).lstrip("/")
    original = article.text_paragraphs[0]
    page.write_text(
        page.read_text(encoding="utf-8").replace(original, original + "（记者 更正）"),
        encoding="utf-8",
    )
    return original


def crawl_local_site(
    workdir: Path,
    run_id: str = "e2e",
    extra_args=None,
    site_dir: Path | None = None,
    paths: list[str] | None = None,
    build: bool = True,
    blocked: str | None = None,
    port: int = 0,
    faults: dict | None = None,
) -> Crawl:
    """Build (unless ``build`` is False) and serve the offline site, and run the
    real crawl over it in ``workdir`` (where ``output/`` and ``state/`` land).

    ``paths``: the listing pages to start from (default: every column and the mirror).
    ``port``: serve on this port (default: a free one); runs that must see the
    same URLs again (validators are kept per URL) pass the port of the first.
    """
    from localsite import build_site, serve
    from localsite.build import start_urls
    from localsite.content import demo_articles
    from localsite.run import crawl_command, run_crawl

    site_dir = site_dir or workdir / "site"
    articles = build_site(site_dir) if build else demo_articles()
    workdir.mkdir(parents=True, exist_ok=True)
    with serve(site_dir, port=port, blocked=blocked, faults=faults) as site:
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
