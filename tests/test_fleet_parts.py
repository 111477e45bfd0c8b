"""The fleet package's seams, without Redis: the ArticleSources spider middleware,
the one way components reach the Fleet, and redis imported by the fleet only."""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

import lianzhou_news
from lianzhou_news.fleet import ArticleSources, membership_of, sources_of
from lianzhou_news.items import ArticleItem

PACKAGE = Path(lianzhou_news.__file__).parent


def _response(url="http://127.0.0.1:9/content/post_1.html") -> HtmlResponse:
    return HtmlResponse(url, body=b"<html></html>", request=scrapy.Request(url))


def test_article_sources_is_off_without_redis():
    with pytest.raises(NotConfigured):
        ArticleSources.from_crawler(get_crawler(settings_dict={}))


def test_article_sources_remembers_each_item_s_request():
    crawler = get_crawler(settings_dict={"REDIS_URL": "redis://127.0.0.1:9/0"})
    middleware = ArticleSources.from_crawler(crawler)
    assert sources_of(crawler) is middleware
    response = _response()
    item, link = ArticleItem(article_id="1"), scrapy.Request("http://h/next")
    assert list(middleware.process_spider_output(response, [item, link])) == [
        item,
        link,
    ]
    assert sources_of(crawler).pop(item) is response.request
    with pytest.raises(KeyError):
        sources_of(crawler).pop(item)  # handed over once


def test_article_sources_with_an_async_callback():
    crawler = get_crawler(settings_dict={"REDIS_URL": "redis://127.0.0.1:9/0"})
    middleware = ArticleSources.from_crawler(crawler)
    response = _response()
    item = ArticleItem(article_id="2")

    async def callback_output():
        yield item

    async def collect():
        return [
            o
            async for o in middleware.process_spider_output_async(
                response, callback_output()
            )
        ]

    assert asyncio.run(collect()) == [item]
    assert middleware.pop(item) is response.request


def test_a_crawler_without_article_sources_is_told_so():
    with pytest.raises(RuntimeError, match="ArticleSources in SPIDER_MIDDLEWARES"):
        sources_of(get_crawler())


@pytest.mark.parametrize("redis_url", [None, "redis://127.0.0.1:9/0"])
def test_the_fleet_s_components_are_enabled_only_with_redis_url(redis_url):
    from scrapy.settings import Settings

    from lianzhou_news.spiders.lianzhou import LianzhouSpider

    settings = Settings()
    settings.setmodule("lianzhou_news.settings", priority="project")
    if redis_url:
        settings.set("REDIS_URL", redis_url, priority="cmdline")
    LianzhouSpider.update_settings(settings)
    middlewares = settings.getdict("SPIDER_MIDDLEWARES")
    extensions = settings.getdict("EXTENSIONS")
    assert ("lianzhou_news.fleet.ArticleSources" in middlewares) is bool(redis_url)
    assert ("lianzhou_news.fleet.FleetExtension" in extensions) is bool(redis_url)
    assert "lianzhou_news.extensions.StateRecorder" in extensions  # kept


def test_components_reach_the_fleet_through_membership_of():
    from lianzhou_news.run import RunContext

    crawler = get_crawler()
    assert membership_of(crawler) is None  # no run opened: never opens one
    fleet = object()
    RunContext.open(crawler).fleet = fleet
    assert membership_of(crawler) is fleet
    # Nowhere else in the fleet package reads spider.fleet.
    for path in (PACKAGE / "fleet").glob("*.py"):
        if path.name != "access.py":
            assert "spider.fleet" not in path.read_text(), path.name


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_only_the_fleet_imports_redis():
    allowed = {PACKAGE / "requestcodec.py", PACKAGE / "commands" / "fleet.py"}
    for path in PACKAGE.rglob("*.py"):
        if (PACKAGE / "fleet") in path.parents or path in allowed:
            continue
        imported = _imported_modules(path) & {"redis", "scrapy_redis"}
        assert not imported, f"{path.relative_to(PACKAGE)} imports {imported}"
