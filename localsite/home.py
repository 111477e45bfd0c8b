"""A county portal's home page, as real ones are laid out, for any offline county.

What column discovery (``lianzhou_news.discovery``) has to read on a real
portal is here in one function: a navigation menu mixing columns with pages
that are not columns (an about page, a search page, 政务公开 catalogue links
that are dead, other hosts), a search form, headline blocks whose heading and
更多 ("more") link lead to a column, a focus picture story, and a footer of
links to other government sites. ``render_home`` knows nothing of a CMS
family: a county passes its columns and links as (name, URL) pairs, so the
TRS-style and Hanweb-style offline counties use it as the Guangdong one does.

>>> page = render_home(
...     "某县人民政府门户网站",
...     columns=[("本县要闻", "/xw/bxyw/")],
...     headlines={"/xw/bxyw/": [("标题", "/xw/bxyw/content/post_1.html", "2024-01-02")]},
...     extra_links=[("走进本县", "/zjbx/")],
... )
>>> 'class="more" href="/xw/bxyw/"' in page and "走进本县" in page
True
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

#: (link text, URL) as the page prints it.
Link = tuple[str, str]
#: (title, URL, printed date YYYY-MM-DD) of one story in a headline block.
Headline = tuple[str, str, str]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _links(links: Sequence[Link]) -> str:
    return "".join(
        f'<li><a href="{_e(url)}">{_e(text)}</a></li>' for text, url in links
    )


def render_home(
    site_title: str,
    columns: Sequence[Link],
    *,
    nav: Sequence[Link] | None = None,
    headlines: Mapping[str, Sequence[Headline]] | None = None,
    extra_links: Sequence[Link] = (),
    footer_links: Sequence[Link] = (),
    search_action: str = "/search/",
    lang: str = "zh-CN",
    home_url: str = "/",
) -> str:
    """The HTML of a portal's home page.

    ``columns``: each gets a headline block, its heading and its 更多 link
    pointing at the column's URL, listing ``headlines[url]`` (its newest
    stories). ``nav``: the menu's columns (default: all of ``columns``; a real
    menu often names only some, the rest being reachable by 更多 alone).
    ``extra_links``: menu entries that are not columns (about page, search
    page, 政务公开 catalogue, a mirror, other hosts). ``footer_links``: the
    footer's links (other government sites, a site map). The first headline
    of the first column is also the focus picture story, as on real portals.
    """
    headlines = headlines or {}
    menu = [("首页", home_url), *(columns if nav is None else nav), *extra_links]
    blocks = []
    for name, url in columns:
        items = "".join(
            f'<li><a href="{_e(link)}" title="{_e(title)}" target="_blank">{_e(title)}</a>'
            f'<span class="date">{_e(date)}</span></li>'
            for title, link, date in headlines.get(url, ())
        )
        blocks.append(
            f'<div class="home-block"><div class="home-block-hd">'
            f'<h3><a href="{_e(url)}">{_e(name)}</a></h3>'
            f'<a class="more" href="{_e(url)}">更多&gt;&gt;</a></div>'
            f'<ul class="home-block-list">{items}</ul></div>'
        )
    focus = ""
    first = headlines.get(columns[0][1], ()) if columns else ()
    if first:
        title, link, _ = first[0]
        focus = (
            f'<div class="home-focus"><a href="{_e(link)}" target="_blank">'
            f'<img src="/images/focus_1.jpg" alt="{_e(title)}"><p>{_e(title)}</p></a></div>'
        )
    return f"""<!DOCTYPE html>
<html lang="{_e(lang)}">
<head>
<meta charset="utf-8">
<title>{_e(site_title)}</title>
<meta name="SiteName" content="{_e(site_title)}">
</head>
<body>
<div class="home-top"><a href="{_e(home_url)}"><img src="/images/logo.png" alt="{_e(site_title)}"></a>
<form class="home-search" action="{_e(search_action)}" method="get"><input type="text" name="q" placeholder="请输入关键字"><button type="submit">搜索</button></form></div>
<div class="home-nav"><ul>{_links(menu)}</ul></div>
<div class="home-main">
{focus}
{chr(10).join(blocks)}
</div>
<div class="home-foot"><ul>{_links(footer_links)}</ul>
<p>主办单位：{_e(site_title)}</p></div>
</body>
</html>
"""


def render_plain_page(site_title: str, heading: str, paragraphs: Sequence[str]) -> str:
    """A page that is neither a listing nor an article (an about page, a
    search page without results): text and a way home, no story links."""
    body = "".join(f"<p>{_e(text)}</p>" for text in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{_e(heading)}-{_e(site_title)}</title></head>
<body>
<div class="home-nav"><ul><li><a href="/">首页</a></li></ul></div>
<div class="page"><h2>{_e(heading)}</h2>{body}</div>
</body>
</html>
"""
