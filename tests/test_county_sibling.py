"""The second county: its own spider (a few lines), its own skin, its own local site."""

from __future__ import annotations

from localsite import serve
from localsite.build import SIBLING_SITE_NAME, build_sibling_site
from localsite.content import COLUMNS, synthetic_articles
from localsite.run import crawl_command, run_crawl

from .test_logs import assert_short_and_truthful


def test_lianshan_spider_crawls_its_sibling_site(tmp_path):
    articles = build_sibling_site(tmp_path / "site", synthetic_articles(40, seed=7))
    with serve(tmp_path / "site") as site:
        urls = [site.base_url + column.path for column in COLUMNS.values()]
        result = run_crawl(
            crawl_command(urls, spider="lianshan", run_id="ls"), tmp_path
        )
        hosts = {hit.host for hit in site.hits}
    assert result.returncode == 0, result.stderr[-2000:]
    # The log names the spider that ran, not "lianzhou".
    assert_short_and_truthful(result.stderr, "lianshan", len(articles))
    import json

    items = [
        json.loads(line)
        for line in (tmp_path / "output/lianshan/ls.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    truth = {a.article_id: a for a in articles}
    assert sorted(i["article_id"] for i in items) == sorted(truth)
    for item in items:
        article = truth[item["article_id"]]
        assert item["site"] == SIBLING_SITE_NAME
        assert item["title"] == article.title
        assert item["source"] == article.source
        assert item["body"] == "\n".join(article.text_paragraphs)
        assert item["timestamp"] == article.published[:10] + "T00:00:00+08:00"
        assert item["timestamp_precision"] == "day"
    assert hosts == {site.base_url.removeprefix("http://")}
    assert (
        tmp_path / "state/lianshan.sqlite"
    ).exists()  # its own state, beside lianzhou's
