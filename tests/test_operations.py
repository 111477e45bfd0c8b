"""Safe operations, as written in deploy/ and the Makefile, run for real.

``make clean`` keeps the archive and the state; the crontab line runs under
``sh`` from a fresh clone (no logs/ yet) against the offline site; the systemd
units parse; two crawls started at once: the second fails, visibly.
"""

from __future__ import annotations

import configparser
import datetime
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from localsite import build_site, serve
from localsite.build import start_urls
from localsite.run import LOCAL_SITE_SETTINGS, crawl_command

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


# --- make clean ------------------------------------------------------------------


def test_make_clean_never_touches_output_nor_state(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    kept = [tmp_path / "output/lianzhou/r1.jsonl", tmp_path / "state/lianzhou.sqlite"]
    gone = [tmp_path / "build/demo_site/index.html", tmp_path / ".pytest_cache/x"]
    for path in kept + gone:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    result = subprocess.run(
        ["make", "-C", str(tmp_path), "clean"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert all(path.read_text() == "x\n" for path in kept)
    assert not any(path.exists() for path in gone)


# --- cron ------------------------------------------------------------------------


def crontab() -> tuple[dict[str, str], str, str]:
    """The crontab's variables, its one schedule and its command as cron hands
    it to ``sh`` (``\\%`` is a literal %; a bare % would end the command)."""
    variables, entries = {}, []
    for line in (
        (DEPLOY / "lianzhou-news.cron").read_text(encoding="utf-8").splitlines()
    ):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        assignment = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", line)
        if assignment:
            variables[assignment[1]] = assignment[2]
        else:
            entries.append(line)
    (entry,) = entries
    fields = entry.split(None, 5)
    assert re.fullmatch(r"(\S+\s+){4}\S+", " ".join(fields[:5])), entry
    command = fields[5]
    assert not re.search(r"(?<!\\)%", command), "a bare % ends a cron command"
    return variables, " ".join(fields[:5]), command.replace("\\%", "%")


def fresh_clone(tmp_path: Path) -> Path:
    """A checkout after `make install`: the project's files, its .venv, no logs/."""
    home = tmp_path / "lianzhou_news"
    home.mkdir()
    shutil.copy(ROOT / "scrapy.cfg", home / "scrapy.cfg")
    (home / ".venv").symlink_to(Path(sys.executable).parent.parent)
    return home


def run_cron_line(
    home: Path, crawl_args: str, path_dirs=()
) -> subprocess.CompletedProcess:
    variables, schedule, command = crontab()
    assert schedule == "0 */3 * * *"
    assert set(variables) == {"LIANZHOU_HOME", "LIANZHOU_CRAWL_ARGS"}
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SCRAPY_")  # cron's environment has none
    }
    env.update(variables, LIANZHOU_HOME=str(home), LIANZHOU_CRAWL_ARGS=crawl_args)
    env["PATH"] = os.pathsep.join([*map(str, path_dirs), env["PATH"]])
    return subprocess.run(
        ["sh", "-c", command],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def local_args(base_url: str) -> str:
    """The offline site's start URLs and its unthrottled pace, as crawl arguments."""
    args = ["-a", "start_urls=" + ",".join(start_urls(base_url))]
    for name, value in LOCAL_SITE_SETTINGS.items():
        args += ["-s", f"{name}={value}"]
    return " ".join(args)


def test_the_crontab_line_runs_under_sh_from_a_fresh_clone(tmp_path):
    home = fresh_clone(tmp_path)
    assert not (home / "logs").exists()
    build_site(tmp_path / "site")
    with serve(tmp_path / "site") as site:
        result = run_cron_line(home, local_args(site.base_url))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == result.stderr == ""  # all of it in the log file
    log = home / "logs" / f"lianzhou-{datetime.date.today():%Y-%m-%d}.log"
    last = log.read_text(encoding="utf-8").rstrip().splitlines()[-1]
    (items,) = (home / "output/lianzhou").glob("*[0-9a-f].jsonl")
    count = len(items.read_text(encoding="utf-8").splitlines())
    assert count > 60
    assert f"lianzhou: {count} articles written to output/lianzhou/{items.name}" in last
    assert last.endswith(": healthy")
    assert (home / "state/lianzhou.sqlite").exists()


def test_the_crontab_line_mails_the_exit_status_of_a_failed_run(tmp_path):
    home = fresh_clone(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    mail = bin_dir / "mail"
    mail.write_text(
        f'#!/bin/sh\necho "$@" > {tmp_path}/mail.args\ncat > {tmp_path}/mail.body\n'
    )
    mail.chmod(0o755)
    result = run_cron_line(home, "-a start_urls=ftp://127.0.0.1:9/", [bin_dir])
    assert result.returncode == 0, result.stderr  # the mail went out
    assert (
        (tmp_path / "mail.args").read_text().startswith("-s lianzhou crawl unhealthy")
    )
    assert (tmp_path / "mail.body").read_text() == (
        f"lianzhou crawl exited 1 (see {home}/logs)\n"
    )
    log = next((home / "logs").glob("lianzhou-*.log")).read_text(encoding="utf-8")
    assert log.rstrip().endswith("is not an http(s) URL")


# --- systemd ---------------------------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def test_the_systemd_service_waits_for_the_network_runs_as_a_user_logs_to_journald():
    service = unit("lianzhou-news.service")
    assert service["Unit"]["Wants"] == "network-online.target"
    assert service["Unit"]["After"] == "network-online.target"
    assert service["Service"]["User"]
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["StandardOutput"] == "journal"
    assert service["Service"]["StandardError"] == "journal"
    home = service["Service"]["WorkingDirectory"]
    assert service["Service"]["ExecStart"] == f"{home}/.venv/bin/scrapy crawl lianzhou"
    # No LOG_FILE, so no logs/ folder to make: the journal keeps the log.
    assert "LOG_FILE" not in (DEPLOY / "lianzhou-news.service").read_text()
    timer = unit("lianzhou-news.timer")
    assert timer["Timer"]["Unit"] == "lianzhou-news.service"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_systemd_analyze_verifies_the_units(tmp_path):
    service = unit("lianzhou-news.service")
    home = service["Service"]["WorkingDirectory"]
    for name in ("lianzhou-news.service", "lianzhou-news.timer"):
        text = (DEPLOY / name).read_text(encoding="utf-8")
        # The checkout the units name, here: this one (its .venv/bin/scrapy exists).
        (tmp_path / name).write_text(text.replace(home, str(ROOT)), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", "lianzhou-news.service", "lianzhou-news.timer"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "", result.stderr


# --- two runs at once ------------------------------------------------------------


def test_a_second_run_started_while_one_runs_fails_visibly(tmp_path):
    """Two scrapyd jobs (or a cron run and a manual one) of one spider in one
    checkout: two ``scrapy crawl`` processes sharing state/. The second exits 1
    with one line naming the lock and its holder; the first is not disturbed."""
    build_site(tmp_path / "site")
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "lianzhou_news.settings"}
    with serve(tmp_path / "site") as site:
        urls = start_urls(site.base_url)
        # Slow enough (a pause between requests) to still be running below.
        first = subprocess.Popen(
            crawl_command(urls, run_id="first", settings={"DOWNLOAD_DELAY": "0.1"}),
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        lock = tmp_path / "state/lianzhou.lock"
        deadline = time.monotonic() + 60
        while not (lock.exists() and f"pid {first.pid} " in lock.read_text()):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.05)
        second = subprocess.run(
            crawl_command(urls, run_id="second"),
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert first.poll() is None, "the first run was still going"
        first_log = first.communicate(timeout=240)[1]
    assert second.returncode == 1, second.stderr[-3000:]
    lines = second.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in second.stderr, second.stderr
    assert re.search(
        rf"ERROR: lianzhou: could not start: another run of 'lianzhou' holds "
        rf"\S*state/lianzhou\.lock \(pid {first.pid} since [^)]+\); .*cannot overlap",
        lines[-1],
    ), lines[-1]
    assert not (tmp_path / "output/lianzhou/second.jsonl").exists()
    assert first.returncode == 0, first_log[-3000:]
    assert first_log.rstrip().endswith(": healthy")
