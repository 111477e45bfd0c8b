"""Run the real ``scrapy crawl`` command against the offline site.

Shared by ``make demo`` and the end-to-end tests so that both exercise the
exact command a user types, in a child process, with the project settings.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: Politeness is for real sites; the offline copy on 127.0.0.1 may be crawled flat out.
LOCAL_SITE_SETTINGS = {
    "DOWNLOAD_DELAY": "0",
    "DOWNLOAD_DELAY_JITTER": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "LIANZHOU_RETRY_BACKOFF_BASE": "0.1",
}


def crawl_command(
    start_urls: list[str],
    *,
    spider: str = "lianzhou",
    run_id: str | None = None,
    settings: dict[str, str] | None = None,
    extra_args: list[str] | None = None,
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "scrapy",
        "crawl",
        spider,
        "-a",
        "start_urls=" + ",".join(start_urls),
    ]
    if run_id:
        command += ["-a", f"run_id={run_id}"]
    for name, value in {**LOCAL_SITE_SETTINGS, **(settings or {})}.items():
        command += ["-s", f"{name}={value}"]
    return command + list(extra_args or [])


def run_crawl(
    command: list[str], cwd: Path | str, *, capture: bool = True, timeout: float = 300
):
    """Run a crawl command in ``cwd`` (where ``output/`` is written)."""
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
    return subprocess.run(
        command,
        cwd=cwd,
        env=env,
        capture_output=capture,
        text=True,
        timeout=timeout,
        check=False,
    )
