"""Field coverage, counted by our cheaper spidermon extension, gives the stats
spidermon's own counting gives: the coverage monitor and the run report read them."""

from __future__ import annotations

import copy

import pytest
from scrapy.utils.test import get_crawler
from spidermon.contrib.scrapy.extensions import Spidermon as SpidermonAsShipped

from lianzhou_news import settings as project
from lianzhou_news.items import ArticleItem
from lianzhou_news.monitors import Spidermon

COVERAGE_SETTINGS = {
    name: getattr(project, name)
    for name in dir(project)
    if name.startswith("SPIDERMON_") and name != "SPIDERMON_SPIDER_CLOSE_MONITORS"
}


class _Spider:
    def __init__(self, crawler):
        self.crawler = crawler


def _coverage_stats(extension_class, items, settings) -> dict:
    crawler = get_crawler(settings_dict=settings)
    extension = extension_class.from_crawler(crawler)
    spider = _Spider(crawler)
    for item in items:
        extension.item_scraped(item, None, spider)
    if isinstance(extension, Spidermon):
        extension.write_coverage()
    return {
        key: value
        for key, value in crawler.stats.get_stats().items()
        if key.startswith("spidermon_item_scraped_count")
    }


def _items_with_every_kind_of_value(demo_crawl) -> list[ArticleItem]:
    items = [ArticleItem(item) for item in demo_crawl.items()]
    odd = copy.deepcopy(dict(items[0]))
    odd.update(
        source="N/A",  # spidermon's default skip values
        channel="-",
        credits={},
        images=[],
        timestamp_raw="",
        version=0,  # falsy, not None
        simplified=None,
    )
    return [*items, ArticleItem(odd)]


def test_same_stats_as_spidermon_with_the_project_settings(demo_crawl):
    items = _items_with_every_kind_of_value(demo_crawl)
    ours = _coverage_stats(Spidermon, items, COVERAGE_SETTINGS)
    shipped = _coverage_stats(SpidermonAsShipped, items, COVERAGE_SETTINGS)
    assert ours == shipped
    assert ours["spidermon_item_scraped_count/ArticleItem"] == len(items)
    assert ours["spidermon_item_scraped_count/ArticleItem/title"] == len(items)


@pytest.mark.parametrize(
    "override",
    [
        {"SPIDERMON_DICT_FIELDS_COVERAGE_LEVELS": -1},  # nested: spidermon counts
        {"SPIDERMON_FIELD_COVERAGE_SKIP_VALUES": ["连州市融媒体中心"]},
        {"SPIDERMON_FIELD_COVERAGE_SKIP_FALSY": False},
    ],
)
def test_same_stats_as_spidermon_with_other_coverage_settings(demo_crawl, override):
    items = _items_with_every_kind_of_value(demo_crawl)
    settings = {**COVERAGE_SETTINGS, **override}
    assert _coverage_stats(Spidermon, items, settings) == _coverage_stats(
        SpidermonAsShipped, items, settings
    )
