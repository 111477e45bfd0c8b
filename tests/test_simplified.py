"""LIANZHOU_SIMPLIFIED: opt-in OpenCC conversion that never alters the original unasked."""

from __future__ import annotations

import pytest

from lianzhou_news.items import schema_errors
from lianzhou_news.pipelines import SimplifiedScriptPipeline
from localsite.content import demo_articles

from .conftest import crawl_local_site

MIRROR = ["/mirror/zwgk/lzyw/"]


def test_alongside_keeps_the_original_and_adds_simplified(tmp_path):
    crawl = crawl_local_site(
        tmp_path, paths=MIRROR, extra_args=["-s", "LIANZHOU_SIMPLIFIED=alongside"]
    )
    assert crawl.returncode == 0, crawl.log[-2000:]
    truth = {a.article_id: a for a in demo_articles()}
    items = crawl.items()
    assert len(items) == 3
    for item in items:
        article = truth[item["article_id"]]
        assert item["lang"] == "zh-Hant"
        assert item["title"] != article.title  # still Traditional, as published
        assert item["simplified"]["title"] == article.title
        assert item["simplified"]["channel"] == "连州要闻"
        assert schema_errors(item) == []
    seed = next(i for i in items if i["article_id"] == "1686531")
    assert seed["simplified"]["credits"]["reporter"] == ["黄滢", "袁安杰"]


def test_replace_converts_and_says_so(tmp_path):
    crawl = crawl_local_site(
        tmp_path, paths=MIRROR, extra_args=["-s", "LIANZHOU_SIMPLIFIED=replace"]
    )
    assert crawl.returncode == 0, crawl.log[-2000:]
    seed = next(i for i in crawl.items() if i["article_id"] == "1686531")
    assert seed["title"].startswith("连州市宣传思想文化工作会议召开")
    assert seed["lang"] == "zh-Hans"
    assert seed["simplified"] == {"converted_from": "zh-Hant"}


def test_off_by_default_and_bad_mode_is_refused(demo_crawl):
    assert all(item["simplified"] is None for item in demo_crawl.items())
    with pytest.raises(ValueError, match="LIANZHOU_SIMPLIFIED must be one of"):
        SimplifiedScriptPipeline("yes")
