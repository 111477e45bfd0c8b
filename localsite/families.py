"""What the offline TRS-style and Hanweb-style counties share: their articles,
their columns, their article page, their home page.

Both counties publish the same kind of news as the Guangdong county
(``content.synthetic_articles``: titles, sources, times, images, credit
blocks), under their own names, columns and URL schemes, so the end-to-end
tests check every field against the ``Article`` a page was made from. A
``CountyArticle`` pairs an article with the id and path its family gives it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .build import OFFSITE_PLACEHOLDER, _paragraph_html
from .common import portal_credit_lines
from .content import Article, synthetic_articles
from .home import render_home

#: Articles per listing page in both counties: 14 articles a column, 3 pages.
PER_PAGE = 5


@dataclass(frozen=True)
class CountyColumn:
    key: str  # the content column its articles come from (content.COLUMNS)
    url: str  # its first listing page's path
    name: str


@dataclass(frozen=True)
class CountyArticle:
    article: Article
    item_id: str  # the crawl's article_id for it
    path: str  # where the county publishes it
    column: CountyColumn


def e(text: str) -> str:
    return html.escape(text, quote=True)


def county_articles(count: int = 42, seed: int = 16) -> list[Article]:
    """The articles of an offline county, over the three content columns."""
    return synthetic_articles(count, seed=seed)


def render_article(item: CountyArticle, site_title: str) -> str:
    """An article page in the body/info-line layout both families' templates use."""
    article, column = item.article, item.column
    body = "\n".join(_paragraph_html(p) for p in article.paragraphs)
    credits = "\n".join(f"<p>{e(line)}</p>" for line in portal_credit_lines(article))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{e(article.title)}_{e(site_title)}</title>
</head>
<body>
<div class="top">{e(site_title)}</div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{column.url}">{e(column.name)}</a></div>
<div class="article">
  <h1 class="article-title">{e(article.title)}</h1>
  <div class="article-info"><span>发布时间：{article.published}</span> <span>来源：{e(article.source)}</span> <span>【字号：<a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a>】</span></div>
  <div class="article-body">
{body}
{credits}
  </div>
</div>
<div class="foot">主办：{e(site_title)}</div>
</body>
</html>
"""


def item_of(item: CountyArticle, href: str) -> str:
    """One listing line: the article's link and its printed date."""
    title = item.article.title
    return (
        f'<li><a href="{e(href)}" title="{e(title)}" target="_blank">{e(title)}</a>'
        f"<span>{item.article.published[:10]}</span></li>"
    )


OFFSITE_ITEMS = (
    '<li><a href="https://mp.weixin.qq.com/s/QX2024" title="公众号转载">公众号转载</a><span>2024-01-05</span></li>'
    f'<li><a href="http://{OFFSITE_PLACEHOLDER}/art/2024/1/4/art_1_1.html">市里转载</a><span>2024-01-04</span></li>'
)


def write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    if target.name == "" or path.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode("utf-8"))


def write_county(
    root: Path,
    items: list[CountyArticle],
    columns: list[CountyColumn],
    site_title: str,
    listing: Callable[[CountyColumn, list[CountyArticle]], None],
) -> None:
    """Articles, listings (``listing`` writes one column's), home page, robots.txt."""
    for item in items:
        write(root, item.path, render_article(item, site_title))
    for column in columns:
        entries = sorted(
            (i for i in items if i.column == column),
            key=lambda i: i.article.published,
            reverse=True,
        )
        listing(column, entries)
    headlines = {
        column.url: [
            (i.article.title, i.path, i.article.published[:10])
            for i in sorted(
                (i for i in items if i.column == column),
                key=lambda i: i.article.published,
                reverse=True,
            )[:4]
        ]
        for column in columns
    }
    write(
        root,
        "/index.html",
        render_home(
            site_title,
            columns=[(c.name, c.url) for c in columns],
            headlines=headlines,
            extra_links=[("走进本县", "/about/")],
            footer_links=[("清远市人民政府", f"http://{OFFSITE_PLACEHOLDER}/")],
        ),
    )
    write(root, "/robots.txt", "User-agent: *\nDisallow: /private/\n")
