"""Render the offline copy of the site into a directory of static files.

Two skins: the portal's (Simplified, full-width colons, a breadcrumb, class
names that are deliberately *not* among the extractor's known containers, so
the generic layers are what gets exercised) and the Traditional-Chinese
mirror's (pinyin after some characters, ASCII punctuation, a garbled
``字體大?。?``), which copies the portal path for path under ``/mirror/``.

Listing pages carry the off-site links real listings have (WeChat reposts,
another host); ``__OFFSITE_HOST__`` is replaced by the server with a host name
that reaches the same server under another name, so a test can prove that no
off-site link was ever followed.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from lianzhou_news.schemes import GUANGDONG_PLATFORM
from lianzhou_news.text.script import to_traditional

from .common import MIRROR_PINYIN, portal_credit_lines
from .content import COLUMNS, SEED_ID, Article, Column, Image, demo_articles
from .home import render_home, render_plain_page
from .skins import render

SITE_TITLE = "连州市人民政府门户网站"
MIRROR_SITE_TITLE = "連州市人民政府門(mén)戶網(wǎng)站"
OFFSITE_PLACEHOLDER = "__OFFSITE_HOST__"
#: A same-site article link that robots.txt forbids; it must never be requested.
ROBOTS_FORBIDDEN_PATH = "/private/content/post_1699999.html"

_ASCII_PUNCT = str.maketrans(
    {"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "！": "!", "？": "?"}
)


def e(text: str) -> str:
    return html.escape(text, quote=True)


def article_path(article: Article, column: Column | None = None) -> str:
    column = column or COLUMNS[article.column]
    return GUANGDONG_PLATFORM.article_path(column.path, article.article_id)


def listing_file(page: int) -> str:
    """The file name of a column's listing page ``page``, as the scheme numbers it."""
    return GUANGDONG_PLATFORM.listing_page_url("http://site/column/", page).rsplit(
        "/", 1
    )[1]


def _time_for_meta(published: str) -> str:
    return published[:16]  # the meta tag carries minutes only: the info line is finer


def _paragraph_html(part: str | Image, *, mirror: bool = False) -> str:
    if isinstance(part, Image):
        out = f'<p style="text-align:center"><img src="{e(part.src)}" alt="{e(part.alt)}" border="0"></p>'
        if part.caption:
            caption = part.printed_caption
            if mirror:
                caption = _mirror_text(caption)
            out += f'\n<p style="text-align:center">{e(caption)}</p>'
        return out
    text = _mirror_text(part) if mirror else part
    return f'<p style="text-indent:2em">\u3000\u3000{e(text)}</p>'


def render_portal_article(article: Article) -> str:
    column = COLUMNS[article.column]
    meta = ""
    if article.with_meta:
        meta = (
            f'<meta name="ArticleTitle" content="{e(article.title)}">\n'
            f'<meta name="PubDate" content="{_time_for_meta(article.published)}">\n'
            f'<meta name="ContentSource" content="{e(article.source)}">\n'
            f'<meta name="ColumnName" content="{e(column.name)}">\n'
        )
    body = "\n".join(_paragraph_html(p) for p in article.paragraphs)
    credits = "\n".join(f"<p>{e(line)}</p>" for line in portal_credit_lines(article))
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
{meta}<title>{e(article.title)}-{SITE_TITLE}</title>
<link rel="stylesheet" href="/css/site.css">
<script>var _hmt = _hmt || [];</script>
</head>
<body>
<div class="gd-head">头部</div>
<div class="gd-nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="gd-position">您当前所在的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="{column.path}">{e(column.name)}</a></div>
<div class="gd-main">
  <div class="gd-detail">
    <h3 class="gd-detail-tt">{e(article.title)}</h3>
    <div class="gd-detail-attr"><span>来源：{e(article.source)}</span> <span>发布时间：{article.published}</span> <span>字体大小：<a href="javascript:void(0)">大</a> <a href="javascript:void(0)">中</a> <a href="javascript:void(0)">小</a></span> <span>浏览次数：<em id="hits">-</em></span></div>
    <div class="gd-detail-txt">
{body}
{credits}
    </div>
    <div class="gd-detail-tools"><a href="javascript:window.print()">【打印】</a><a href="javascript:window.close()">【关闭】</a></div>
    <div class="gd-detail-share">分享到：<a href="#">微信</a> <a href="#">微博</a></div>
  </div>
  <div class="gd-related"><h4>相关新闻</h4><ul>
    <li><a href="/zwgk/lzyw/">连州要闻</a></li><li><a href="/zwgk/zwyw/">政务要闻</a></li>
  </ul></div>
</div>
<div class="gd-foot">footer底部<p>主办单位：连州市人民政府办公室　版权所有：连州市人民政府</p><p>网站标识码：4418820001　粤ICP备00000000号</p></div>
</body>
</html>
"""


def _mirror_text(text: str) -> str:
    traditional = to_traditional(text).translate(_ASCII_PUNCT)
    return "".join(
        ch + (f"({MIRROR_PINYIN[ch]})" if ch in MIRROR_PINYIN else "")
        for ch in traditional
    )


def _mirror_page(title_line: str, info_line: str, content_lines: list[str]) -> str:
    body = "\n".join(content_lines)
    title_attr = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", title_line)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{e(title_attr)} - {MIRROR_SITE_TITLE}</title>
</head>
<body>
<div class="top">頭部</div>
<div class="bd">
<div class="news">
<div class="news-tt">{e(title_line)}</div>
<div class="news-info">{e(info_line)}</div>
<div class="news-txt">
{body}
</div>
</div>
</div>
<div class="foot">footer底部</div>
</body>
</html>
"""


def render_seed_mirror(seed_text: str) -> str:
    """The seed article as the mirror renders it, from the captured text itself.

    Lines are kept exactly as captured (pinyin, ASCII punctuation, the garbled
    ``字體大?。?`` and the damaged paragraph included); ``圖片`` lines are the
    alt text of images, so they become ``<img alt="圖片">``.
    """
    lines = [line for line in seed_text.splitlines() if line.strip()]
    assert lines[0] == "頭部" and lines[-1] == "footer底部", "unexpected seed layout"
    title_line, info_line = lines[1].strip(), lines[2].strip()
    content = []
    for index, line in enumerate(lines[3:-1]):
        if line.strip() == "圖片":
            content.append(
                f'<p style="text-align:center"><img src="/mirror/zwgk/lzyw/content/images/2023-03/seed_{index}.jpg" alt="圖片"></p>'
            )
        else:
            content.append(f"<p>{e(line)}</p>")
    return _mirror_page(title_line, info_line, content)


def render_mirror_article(article: Article) -> str:
    title = _mirror_text(article.title)
    info = (
        _mirror_text(f"来源:{article.source} 发布时间:{article.published} ")
        + "字體大?。? 瀏覽次數(shù):-"
    )
    content = [_paragraph_html(p, mirror=True) for p in article.paragraphs]
    content += [
        f"<p>{e(_mirror_text(line))}</p>" for line in portal_credit_lines(article)
    ]
    return _mirror_page(title, info, content)


def _listing_page(
    column: Column,
    entries: list[tuple[str, Article]],
    page: int,
    pages: int,
    total: int,
    *,
    mirror: bool,
) -> str:
    items = []
    for index, (path, article) in enumerate(entries):
        title = _mirror_text(article.title) if mirror else article.title
        title = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", title)
        items.append(
            f'<li><a href="{e(path)}" title="{e(title)}" target="_blank"><!-- {index} -->{e(title)}</a>'
            f'<span class="time">{article.published[:10]}</span></li>'
        )
        if index == 2:  # reposts and other hosts, as real listings have them
            items.append(
                '<li><a href="https://mp.weixin.qq.com/s/Lz3kq2VZ" title="连州发布：周末去哪儿">连州发布：周末去哪儿</a>'
                '<span class="time">2024-01-05</span></li>'
            )
            items.append(
                f'<li><a href="http://{OFFSITE_PLACEHOLDER}{column.path}content/post_1600001.html">清远要闻转载</a>'
                '<span class="time">2024-01-04</span></li>'
            )
    if column.key == "bmdt" and page == 1 and not mirror:
        items.append(
            f'<li><a href="{ROBOTS_FORBIDDEN_PATH}">内部稿件</a><span class="time">2024-01-03</span></li>'
        )
    name = column.name if not mirror else _mirror_text(column.name)
    pager = ""
    if column.pagination in ("totalpage", "limited"):
        declared = f"Math.ceil({total}/{column.per_page})"
        limit = "var pages_limit = 5;\n" if column.pagination == "limited" else ""
        pager = (
            f"<script>\nvar currentPage = {page - 1};\nvar totalPage = {declared};\n{limit}"
            f'createPageHTML("page_div", totalPage, currentPage, "index", "html");\n</script>'
        )
    else:
        links = []
        if page > 1:
            links.append(f'<a class="prev" href="{listing_file(page - 1)}">上一页</a>')
        if page < pages:
            links.append(f'<a class="next" href="{listing_file(page + 1)}">下一页</a>')
            links.append(f'<a class="last" href="{listing_file(pages)}">尾页</a>')
        pager = " ".join(links)
    root = "/mirror" if mirror else ""
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{e(name)}-{SITE_TITLE if not mirror else MIRROR_SITE_TITLE}</title>
</head>
<body>
<div class="gd-head">{"頭部" if mirror else "头部"}</div>
<div class="gd-position">您当前所在的位置：<a href="{root}/">首页</a> &gt; <a href="{root}/zwgk/">政务公开</a> &gt; <a href="{root}{column.path}">{e(name)}</a></div>
<div class="gd-list"><ul class="gd-list-ul">
{chr(10).join(items)}
</ul>
<div class="gd-pager" id="page_div">{pager}</div>
</div>
<div class="gd-foot">footer底部</div>
</body>
</html>
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))


def _write_listings(
    root: Path, column: Column, entries: list[tuple[str, Article]], *, mirror: bool
) -> None:
    prefix = "/mirror" if mirror else ""
    pages = max(1, -(-len(entries) // column.per_page))
    for page in range(1, pages + 1):
        chunk = entries[(page - 1) * column.per_page : page * column.per_page]
        name = listing_file(page)
        _write(
            root / f"{prefix}{column.path}".lstrip("/") / name,
            _listing_page(column, chunk, page, pages, len(entries), mirror=mirror),
        )


def build_site(
    directory: Path | str,
    seed_text: str | None = None,
    articles: list[Article] | None = None,
) -> list[Article]:
    """Write the whole offline site under ``directory``; return its articles.

    ``articles`` replaces the demo content (tests add or change articles).
    """
    root = Path(directory)
    articles = demo_articles() if articles is None else articles
    if seed_text is None:
        # Beside this module: localsite is not an installed package.
        seed_text = (Path(__file__).parent / "seed_mirror.txt").read_text(
            encoding="utf-8"
        )

    for article in articles:
        _write(root / article_path(article).lstrip("/"), render_portal_article(article))
        for other in article.also_listed_in:
            _write(
                root / article_path(article, COLUMNS[other]).lstrip("/"),
                render_portal_article(article),
            )
        if article.mirrored:
            page = (
                render_seed_mirror(seed_text)
                if article.article_id == SEED_ID
                else render_mirror_article(article)
            )
            _write(root / "mirror" / article_path(article).lstrip("/"), page)

    for column in COLUMNS.values():
        entries = [(article_path(a), a) for a in articles if a.column == column.key]
        entries += [
            (article_path(a, column), a)
            for a in articles
            if column.key in a.also_listed_in
        ]
        entries.sort(key=lambda pa: pa[1].published, reverse=True)
        _write_listings(root, column, entries, mirror=False)
        mirrored = [
            (f"/mirror{path}", a)
            for path, a in entries
            if a.mirrored and a.column == column.key
        ]
        if mirrored:
            _write_listings(root, column, mirrored, mirror=True)

    _write(
        root / "private/content/post_1699999.html",
        "<html><body>不应被抓取</body></html>",
    )
    _write(root / "robots.txt", "User-agent: *\nDisallow: /private/\n")
    _write_home_pages(root, articles)
    return articles


#: The home page's menu entries and footer links that are not columns: an
#: about page and a search page that exist, 政务公开 catalogue pages and a site
#: map that are dead (404), the Traditional mirror's home, other hosts.
ABOUT_PATH = "/zjlz/"
SEARCH_PATH = "/search/"
DEAD_PATHS = ("/zwgk/gkml/", "/zwgk/zcwj/index.html", "/hdjl/", "/sitemap.html")
HEADLINES_PER_BLOCK = 4


def _home_links(prefix: str = "") -> tuple[list, list]:
    extra = [
        ("走进连州", f"{prefix}{ABOUT_PATH}"),
        ("政府信息公开目录", f"{prefix}{DEAD_PATHS[0]}"),
        ("政策文件", f"{prefix}{DEAD_PATHS[1]}"),
        ("互动交流", f"{prefix}{DEAD_PATHS[2]}"),
        ("站内搜索", f"{prefix}{SEARCH_PATH}"),
        ("繁體版" if not prefix else "简体版", "/mirror/" if not prefix else "/"),
    ]
    footer = [
        ("网站地图", f"{prefix}{DEAD_PATHS[3]}"),
        ("清远市人民政府", f"http://{OFFSITE_PLACEHOLDER}/"),
        ("连州发布", "https://mp.weixin.qq.com/s/Lz3kq2VZ"),
    ]
    return extra, footer


def _write_home_pages(root: Path, articles: list[Article]) -> None:
    """The portal's home page and the mirror's (a path-for-path copy, so its
    links to columns the mirror lacks are dead), an about page, a search page.

    The menu names 连州要闻 and 政务要闻; 部门动态 is reached by its 更多 link
    only, as real menus name hubs and leave some columns to the blocks.
    """
    columns = list(COLUMNS.values())
    for mirror in (False, True):
        prefix = "/mirror" if mirror else ""
        title = MIRROR_SITE_TITLE if mirror else SITE_TITLE

        def name(text: str, mirror: bool = mirror) -> str:
            return to_traditional(text) if mirror else text

        headlines = {}
        for column in columns:
            newest = sorted(
                (a for a in articles if a.column == column.key),
                key=lambda a: a.published,
                reverse=True,
            )[:HEADLINES_PER_BLOCK]
            headlines[f"{prefix}{column.path}"] = [
                (name(a.title), f"{prefix}{article_path(a)}", a.published[:10])
                for a in newest
            ]
        extra, footer = _home_links(prefix)
        _write(
            root / prefix.lstrip("/") / "index.html",
            render_home(
                title,
                columns=[(name(c.name), f"{prefix}{c.path}") for c in columns],
                nav=[
                    (name(c.name), f"{prefix}{c.path}")
                    for c in columns
                    if c.key != "bmdt"
                ],
                headlines=headlines,
                extra_links=[(name(text), url) for text, url in extra],
                footer_links=[(name(text), url) for text, url in footer],
                search_action=f"{prefix}{SEARCH_PATH}",
                home_url=f"{prefix}/",
                lang="zh-Hant" if mirror else "zh-CN",
            ),
        )
    _write(
        root / ABOUT_PATH.lstrip("/") / "index.html",
        render_plain_page(
            SITE_TITLE,
            "走进连州",
            [
                "连州市位于广东省西北部，是清远市代管的县级市。",
                "联系电话：0763-6612345",
            ],
        ),
    )
    _write(
        root / SEARCH_PATH.lstrip("/") / "index.html",
        render_plain_page(SITE_TITLE, "站内搜索", ["请输入关键字进行搜索。"]),
    )


def home_url(base_url: str) -> str:
    """The portal's home page: where a crawl that discovers its columns starts."""
    return f"{base_url}/"


def start_urls(base_url: str, *, mirror: bool = True) -> list[str]:
    """The listing pages a crawl of the offline site starts from."""
    urls = [f"{base_url}{c.path}" for c in COLUMNS.values()]
    if mirror:
        urls.append(f"{base_url}/mirror{COLUMNS['lzyw'].path}")
    return urls


def _sibling_listing(
    column: Column, entries: list[Article], page: int, pages: int
) -> str:
    """A sibling county's listing skin: <dl> items, pager links, no totalPage JS."""
    items = "\n".join(
        f'<dl class="xw-item"><dt><a href="{e(article_path(a))}" target="_blank">{e(a.title)}</a></dt>'
        f"<dd>{a.published[:10]}</dd></dl>"
        for a in entries
    )
    pager = []
    if page > 1:
        pager.append(f'<a href="{listing_file(page - 1)}">上一页</a>')
    if page < pages:
        pager.append(f'<a href="{listing_file(page + 1)}">下一页</a>')
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{e(column.name)}_{e(SIBLING_SITE_NAME)}</title></head>
<body><div class="crumb">您的位置：<a href="/">首页</a> / <a href="{column.path}">{e(column.name)}</a></div>
<div class="xw-list">
{items}
<a href="https://mp.weixin.qq.com/s/ls01">连山发布公众号</a>
</div>
<div class="pages">{" ".join(pager)}</div>
</body></html>
"""


#: The sibling county of the second spider (lianshan), served by tests.
SIBLING_SITE_NAME = "连山壮族瑶族自治县融媒体中心"


def build_sibling_site(directory: Path | str, articles: list[Article]) -> list[Article]:
    """A sibling county's portal: the same URL scheme, another skin.

    Article pages use the ``zoom_sidebar`` skin (``skins.py``) and listings a
    ``<dl>`` skin with pager links only, so the platform base spider is proven
    on markup the Lianzhou site never had.
    """
    root = Path(directory)
    for article in articles:
        page, _, _ = render("zoom_sidebar", article)
        path = root / article_path(article).lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(page)
    for column in COLUMNS.values():
        entries = sorted(
            (a for a in articles if a.column == column.key),
            key=lambda a: a.published,
            reverse=True,
        )
        pages = max(1, -(-len(entries) // column.per_page))
        for page in range(1, pages + 1):
            chunk = entries[(page - 1) * column.per_page : page * column.per_page]
            name = listing_file(page)
            _write(
                root / column.path.lstrip("/") / name,
                _sibling_listing(column, chunk, page, pages),
            )
    _write(root / "robots.txt", "User-agent: *\nAllow: /\n")
    return articles
