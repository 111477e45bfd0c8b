"""The offline Hanweb (大汉)-style county (石岭县, invented): columns
``/col/col<id>/index.html`` whose first records sit in a ``<script
type="text/xml">`` datastore, further pages from
``/module/web/jpage/dataproxy.jsp`` (answered by ``localsite.server`` from the
records this module writes, by GET or POST), articles at
``/art/YYYY/M/D/art_<col>_<id>.html``.

``build_hanweb_site(directory)`` writes it and returns its articles, each with
the id the crawl must give it (``art_60085_2000001``).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

from lianzhou_news.schemes import HANWEB, hanweb_article_path

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

HANWEB_SITE_NAME = "石岭县融媒体中心"
HANWEB_SITE_TITLE = "石岭县人民政府门户网站"
WEBID = "3"
HANWEB_COLUMNS = {
    "lzyw": CountyColumn("lzyw", "/col/col60085/index.html", "石岭要闻"),
    "zwyw": CountyColumn("zwyw", "/col/col60086/index.html", "政务动态"),
    "bmdt": CountyColumn("bmdt", "/col/col60087/index.html", "部门动态"),
}
#: Where the records of column <id> are kept for the dataproxy (not served).
RECORDS_DIR = "module/web/jpage/records"


def _column_id(column: CountyColumn) -> str:
    return column.url.split("/col/col", 1)[1].split("/", 1)[0]


def _unit_id(column: CountyColumn) -> str:
    return str(int(_column_id(column)) - 55_000)  # the list block's id on the page


def hanweb_item(article: Article) -> CountyArticle:
    column = HANWEB_COLUMNS[article.column]
    col = _column_id(column)
    item_id = f"art_{col}_{article.article_id}"
    path = hanweb_article_path(col, article.article_id, article.published)
    return CountyArticle(article, item_id, path, column)


def datastore(records: list[str], total: int, nextgroup: str = "") -> str:
    """Hanweb's datastore XML: ``records`` (HTML each), the column's size."""
    parts = "".join(f"<record><![CDATA[{record}]]></record>\n" for record in records)
    group = f"<nextgroup><![CDATA[{nextgroup}]]></nextgroup>\n" if nextgroup else ""
    return (
        f"<datastore>\n{group}<totalrecord>{total}</totalrecord>\n"
        f"<recordset>\n{parts}</recordset>\n</datastore>"
    )


def _column_page(column: CountyColumn, records: list[str]) -> str:
    col, unit = _column_id(column), _unit_id(column)
    proxy = (
        f"{HANWEB.PROXY_PATH}?page=1&amp;webid={WEBID}&amp;path=/&amp;columnid={col}"
        f"&amp;unitid={unit}&amp;permissiontype=0"
    )
    first = records[:PER_PAGE]
    if first:
        first = [first[0], first[1], OFFSITE_ITEMS, *first[2:]][: PER_PAGE + 1]
    store = datastore(first, len(records), f'<a href="{proxy}"></a>')
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{e(column.name)} - {HANWEB_SITE_TITLE}</title></head>
<body>
<div class="bt-position">您现在的位置：<a href="/">首页</a> &gt; <a href="{column.url}">{e(column.name)}</a></div>
<div class="bt-list" id="{unit}"><script type="text/xml">{store}</script></div>
<script language="javascript" src="/module/web/jpage/jpage.js"></script>
<script>
var pageview = new Pager({{container: "{unit}", webid: {WEBID}, columnid: {col},
  unitid: {unit}, totalRecord: {len(records)}, perpage: {PER_PAGE}}});
</script>
</body></html>
"""


def build_hanweb_site(
    directory: Path | str, articles: list[Article] | None = None
) -> list[CountyArticle]:
    """Write the Hanweb-style county under ``directory``; return its articles."""
    root = Path(directory)
    items = [hanweb_item(a) for a in (articles or county_articles(seed=17))]

    def listing(column: CountyColumn, entries: list[CountyArticle]) -> None:
        records = [item_of(i, i.path) for i in entries]
        write(root, column.url, _column_page(column, records))
        records_file = root / RECORDS_DIR / f"col{_column_id(column)}.json"
        records_file.parent.mkdir(parents=True, exist_ok=True)
        records_file.write_text(json.dumps(records, ensure_ascii=False), "utf-8")

    write_county(root, items, list(HANWEB_COLUMNS.values()), HANWEB_SITE_TITLE, listing)
    return items


def dataproxy_answer(root: Path, query: str) -> bytes | None:
    """What ``dataproxy.jsp`` answers to ``query`` (GET query or POST form):
    records ``startrecord`` … ``endrecord`` of column ``columnid``; None for an
    unknown column or bad numbers (a 404)."""
    params = dict(parse_qsl(query))
    column = params.get("columnid", "")
    records_file = root / RECORDS_DIR / f"col{column}.json"
    if not column.isdigit() or not records_file.is_file():
        return None
    try:
        start = int(params.get("startrecord", "1"))
        end = int(params.get("endrecord", str(start + PER_PAGE - 1)))
    except ValueError:
        return None
    records = json.loads(records_file.read_text("utf-8"))
    text = datastore(records[max(start, 1) - 1 : end], len(records))
    return ("<?xml version='1.0' encoding='UTF-8'?>\n" + text).encode("utf-8")


def hanweb_start_urls(base_url: str) -> list[str]:
    """The county's column pages: where its e2e crawls start."""
    return [base_url + column.url for column in HANWEB_COLUMNS.values()]
