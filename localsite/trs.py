"""The offline TRS WCM-style county (青溪县, invented): articles at
``<column>/YYYYMM/tYYYYMMDD_<id>.html``, listings ``index.html``,
``index_1.html`` (page 2) … with the ``createPageHTML(N, i, "index", "html")``
pager script TRS prints, relative ``./`` article links as TRS writes them.

``build_trs_site(directory)`` writes it and returns its articles, each with
the id the crawl must give it (``t20240315_2000001``).
"""

from __future__ import annotations

from pathlib import Path

from lianzhou_news.schemes import TRS_WCM

from .content import Article
from .families import (
    OFFSITE_ITEMS,
    PER_PAGE,
    CountyArticle,
    CountyColumn,
    county_articles,
    e,
    item_of,
    write,
    write_county,
)

TRS_SITE_NAME = "青溪县融媒体中心"
TRS_SITE_TITLE = "青溪县人民政府门户网站"
TRS_COLUMNS = {
    "lzyw": CountyColumn("lzyw", "/xwzx/qxyw/", "青溪要闻"),
    "zwyw": CountyColumn("zwyw", "/xwzx/zwdt/", "政务动态"),
    "bmdt": CountyColumn("bmdt", "/xwzx/bmdt/", "部门动态"),
}


def trs_item(article: Article) -> CountyArticle:
    column = TRS_COLUMNS[article.column]
    item_id = f"t{article.published[:10].replace('-', '')}_{article.article_id}"
    return CountyArticle(
        article, item_id, TRS_WCM.article_path(column.url, item_id), column
    )


def _listing_page(
    column: CountyColumn, entries: list[CountyArticle], page: int, pages: int
) -> str:
    lines = [item_of(i, "./" + i.path.removeprefix(column.url)) for i in entries]
    if page == 1:
        lines.insert(2, OFFSITE_ITEMS)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{e(column.name)}_{TRS_SITE_TITLE}</title></head>
<body>
<div class="bread">当前位置：<a href="/">首页</a> &gt; <a href="{column.url}">{e(column.name)}</a></div>
<div class="list"><ul>
{chr(10).join(lines)}
</ul>
<div class="page"><script type="text/javascript">
var currentPage = {page - 1};
var countPage = {pages};
createPageHTML({pages}, {page - 1}, "index", "html");
</script></div></div>
</body></html>
"""


def build_trs_site(
    directory: Path | str, articles: list[Article] | None = None
) -> list[CountyArticle]:
    """Write the TRS-style county under ``directory``; return its articles."""
    root = Path(directory)
    items = [trs_item(a) for a in (articles or county_articles(seed=16))]

    def listing(column: CountyColumn, entries: list[CountyArticle]) -> None:
        pages = max(1, -(-len(entries) // PER_PAGE))
        for page in range(1, pages + 1):
            chunk = entries[(page - 1) * PER_PAGE : page * PER_PAGE]
            url = TRS_WCM.listing_page_url(column.url, page)
            write(root, url, _listing_page(column, chunk, page, pages))

    write_county(root, items, list(TRS_COLUMNS.values()), TRS_SITE_TITLE, listing)
    return items


def trs_start_urls(base_url: str) -> list[str]:
    """The county's column listings: where its e2e crawls start."""
    return [base_url + column.url for column in TRS_COLUMNS.values()]
