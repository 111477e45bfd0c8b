"""Every county spider: a name that matches its file and class, loads with its
defaults, and has reviewed golden fixtures. And the genspider template works."""

from __future__ import annotations

import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from lianzhou_news.evaluation import load_cases
from lianzhou_news.spiders.base import PlatformNewsSpider

from .conftest import FIXTURES

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings()
SETTINGS.setmodule("lianzhou_news.settings")
LOADER = SpiderLoader.from_settings(SETTINGS)
SPIDERS = LOADER.list()


def test_there_are_at_least_two_counties():
    assert {"lianzhou", "lianshan"} <= set(SPIDERS)


@pytest.mark.parametrize("name", SPIDERS)
def test_name_file_and_class_agree(name):
    spider_class = LOADER.load(name)
    assert Path(inspect.getfile(spider_class)).stem == name
    assert (
        spider_class.__name__
        == "".join(p.capitalize() for p in name.split("_")) + "Spider"
    )
    assert issubclass(spider_class, PlatformNewsSpider)


@pytest.mark.parametrize("name", SPIDERS)
def test_spider_loads_with_its_defaults(name):
    spider = LOADER.load(name)()
    assert spider.start_urls and all(
        u.startswith(("http://", "https://")) for u in spider.start_urls
    )
    assert spider.site_name and spider.site_name != name, (
        "site_name left as the template's"
    )
    assert spider.allowed_domains


@pytest.mark.parametrize("name", SPIDERS)
def test_spider_has_golden_fixtures(name):
    cases = load_cases(FIXTURES, [name])
    assert cases, f"tests/fixtures/{name}/ has no golden case"
    site = LOADER.load(name).site_name
    for case in cases:
        assert case.expected["site"] == site, case.name


def test_genspider_county_template(tmp_path):
    # In a copy of the project: genspider writes into the spiders package.
    for name in ("lianzhou_news", "scrapy.cfg"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(
                source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy(source, tmp_path / name)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    made = subprocess.run(
        [sys.executable, "-m", "scrapy", "genspider", "-t", "county", "yangshan", "www.yangshan.gov.cn"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    source = (tmp_path / "lianzhou_news/spiders/yangshan.py").read_text(
        encoding="utf-8"
    )
    assert "class YangshanSpider(PlatformNewsSpider):" in source
    assert 'default_start_urls = ("https://www.yangshan.gov.cn",)' in source
    listed = subprocess.run(
        [sys.executable, "-m", "scrapy", "list"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert "yangshan" in listed.stdout.split()
