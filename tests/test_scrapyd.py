"""Deploy to a real scrapyd on 127.0.0.1, schedule a crawl through its HTTP API,
and find the items: what the [deploy] section of scrapy.cfg is for."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from localsite import build_site, serve
from localsite.build import start_urls

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _post(url: str, data: dict) -> dict:
    body = urllib.parse.urlencode(data, doseq=True).encode()
    with urllib.request.urlopen(url, data=body, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def scrapyd(tmp_path):
    port = _free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\n"
        "eggs_dir = eggs\nlogs_dir = logs\nitems_dir = items\ndbs_dir = dbs\nmax_proc = 1\n"
        "poll_interval = 0.5\n"
    )
    process = subprocess.Popen(
        [str(BIN / "scrapyd")],
        cwd=home,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _get(f"{url}/daemonstatus.json")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("scrapyd did not start")
        yield url, home
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_deploy_schedule_and_find_the_items(scrapyd, tmp_path):
    url, home = scrapyd
    # Deploy from a copy, so building the egg never touches the working tree.
    project = tmp_path / "project"
    project.mkdir()
    for name in (
        "lianzhou_news",
        "setup.py",
        "pyproject.toml",
        "README.md",
        "scrapy.cfg",
    ):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, project / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(source, project / name)
    config = (project / "scrapy.cfg").read_text()
    (project / "scrapy.cfg").write_text(
        config.replace("[deploy]", f"[deploy]\nurl = {url}/", 1)
    )
    deploy = subprocess.run(
        [str(BIN / "scrapyd-deploy"), "-p", "lianzhou_news", "--version", "1"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr
    assert (
        "lianzhou" in _get(f"{url}/listspiders.json?project=lianzhou_news")["spiders"]
    )

    site_dir = tmp_path / "site"
    articles = build_site(site_dir)
    with serve(site_dir) as site:
        job = _post(
            f"{url}/schedule.json",
            {
                "project": "lianzhou_news",
                "spider": "lianzhou",
                "start_urls": ",".join(start_urls(site.base_url)),
                "setting": [
                    "DOWNLOAD_DELAY=0",
                    "AUTOTHROTTLE_ENABLED=False",
                    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
                ],
            },
        )["jobid"]
        for _ in range(240):
            jobs = _get(f"{url}/listjobs.json?project=lianzhou_news")
            if any(j["id"] == job for j in jobs["finished"]):
                break
            time.sleep(0.5)
        else:
            pytest.fail("the scheduled crawl did not finish")

    items_file = home / "items" / "lianzhou_news" / "lianzhou" / f"{job}.jl"
    lines = items_file.read_text(encoding="utf-8").splitlines()
    ids = {json.loads(line)["article_id"] for line in lines}
    assert ids == {a.article_id for a in articles}
    reports = list((home / "output" / "lianzhou").glob("*.report.json"))
    assert len(reports) == 1 and json.loads(reports[0].read_text())["healthy"] is True
