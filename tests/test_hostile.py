"""The hostile web (issue 15): each case a real crawl over HTTP on 127.0.0.1.

The fault server (``localsite/server.py``) plays the hostile site; the real
``scrapy crawl`` runs in a child process with the project's spider, pipelines
and feed exports. Each test names its case number in the issue.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from localsite import build_site, serve
from localsite.build import article_path, start_urls
from localsite.run import crawl_command, run_crawl
from localsite.server import Fault

FAST = ["-s", "DOWNLOAD_TIMEOUT=2", "-s", "LIANZHOU_RETRY_BACKOFF_BASE=0.05"]


@dataclass
class Run:
    returncode: int
    log: str
    workdir: Path
    run_id: str
    hits: list

    def report(self) -> dict:
        path = self.workdir / f"output/lianzhou/{self.run_id}.report.json"
        return json.loads(path.read_text(encoding="utf-8"))

    def items(self) -> list[dict]:
        path = self.workdir / f"output/lianzhou/{self.run_id}.jsonl"
        if not path.exists():
            return []
        text = path.read_text(encoding="utf-8")
        assert text == "" or text.endswith("\n"), f"{path} ends with half a line"
        return [json.loads(line) for line in text.splitlines()]

    def failed(self) -> dict[str, str]:
        return {f["url"]: f["reason"] for f in self.report()["failed_articles"]}


def crawl(
    workdir: Path,
    run_id: str,
    faults: dict | None = None,
    extra: list[str] | None = None,
    site_dir: Path | None = None,
    paths: list[str] | None = None,
    preexec_fn=None,
) -> Run:
    """Serve ``site_dir`` (default ``workdir/site``) with ``faults`` and crawl it."""
    site_dir = site_dir or workdir / "site"
    with serve(site_dir, faults=faults) as site:
        urls = (
            [site.base_url + p for p in paths] if paths else start_urls(site.base_url)
        )
        command = crawl_command(urls, run_id=run_id, extra_args=[*FAST, *(extra or [])])
        env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
        result = subprocess.run(
            command,
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=preexec_fn,
        )
        hits = list(site.hits)
    return Run(result.returncode, result.stderr, workdir, run_id, hits)


def plain_articles(site_dir: Path) -> tuple[list, list]:
    """Build the site; return (every article, those listed once and not mirrored)."""
    articles = build_site(site_dir)
    return articles, [a for a in articles if not a.mirrored and not a.also_listed_in]


# --- case 1: off-host after a retry -----------------------------------------


def test_case1_no_hop_leaves_the_allowed_host_and_port(tmp_path):
    _, plain = plain_articles(tmp_path / "site")
    other_dir = tmp_path / "other"
    build_site(other_dir)
    with serve(other_dir) as other:
        # A 503 (retried with dont_filter=True), then a 302 to another host; a
        # truncated page, then a 302 to the same host on another port.
        to_other_host = article_path(plain[0])
        to_other_port = article_path(plain[1])
        faults = {
            to_other_host: Fault(
                "status",
                times=1,
                status=503,
                then=Fault("redirect"),  # to this server as localhost:PORT, below
            ),
            to_other_port: Fault(
                "truncate",
                times=1,
                then=Fault("redirect", location=other.base_url + to_other_port),
            ),
        }
        with serve(tmp_path / "site", faults=faults) as site:
            faults[
                to_other_host
            ].then.location = f"http://{site.offsite_host}{to_other_host}"
            urls = start_urls(site.base_url)
            command = crawl_command(urls, run_id="offhost", extra_args=FAST)
            result = run_crawl(command, tmp_path, timeout=120)
            hits = list(site.hits)
        other_hits = list(other.hits)
    run = Run(result.returncode, result.stderr, tmp_path, "offhost", hits)
    assert other_hits == [], other_hits  # not the page, not its robots.txt
    assert {hit.host for hit in hits} == {site.base_url.removeprefix("http://")}
    ids = {item["article_id"] for item in run.items()}
    assert plain[0].article_id not in ids and plain[1].article_id not in ids
    failed = run.failed()
    assert failed[site.base_url + to_other_host] == "off-host redirect"
    assert failed[site.base_url + to_other_port] == "off-host redirect"
    assert run.report()["errors"]["off_host_redirect"] == 2
