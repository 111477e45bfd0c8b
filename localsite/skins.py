"""Four more skins of the same platform family, for the golden corpus.

Every county skin of the Guangdong platform names its elements differently;
the extractor is only worth what it gets right on markup it was never shown.
These renderings vary what docs/site.md says varies, and none reuses the portal
skin's class names:

* ``legacy_gbk``: a 2012-style table layout in GBK, title in a ``td``, an info
  line with 信息来源/发布日期 and a Chinese date to the minute, text with
  ``<br>`` lines instead of paragraphs, ``>>`` breadcrumb; served either with a
  ``charset=gbk`` meta alone or under a header that wrongly says UTF-8.
* ``ruby_mirror``: a Traditional mirror that annotates with ``<ruby>``/``<rt>``,
  carries the government meta tags (PubDate to the second, the info line to the
  minute), full-width colons, body in ``.TRS_Editor``.
* ``modern``: HTML5 ``article``/``header``/``section``, the info line split over
  ``<li>`` items, paragraphs as ``div``, ``figure``/``figcaption`` captions, all
  credits on one line, some times printed without a year (``05-06 09:30``).
* ``zoom_sidebar``: ``.zw-title``/``.zw-info`` with ASCII colons and a date-only
  时间, body in ``#zoom``, a text-heavy sidebar, ``文/图`` credits.

``render(skin, article)`` returns ``(bytes, headers, printed)`` where
``printed`` says how the page prints what the expected item must hold.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from lianzhou_news.text.script import to_traditional

from .common import MIRROR_PINYIN, portal_credit_lines
from .content import COLUMNS, Article, Image

SKINS = ("legacy_gbk", "ruby_mirror", "modern", "zoom_sidebar")


@dataclass
class Printed:
    """What a rendering prints, so expected items can be written from it."""

    time: str  # the time exactly as printed
    precision: str
    credit_lines: list[str] = field(default_factory=list)
    traditional: bool = False
    channel: str | None = None


def e(text: str) -> str:
    return html.escape(text, quote=True)


def render(
    skin: str, article: Article, *, variant: int = 0
) -> tuple[bytes, dict, Printed]:
    return {
        "legacy_gbk": _legacy_gbk,
        "ruby_mirror": _ruby_mirror,
        "modern": _modern,
        "zoom_sidebar": _zoom_sidebar,
    }[skin](article, variant)


# ---------------------------------------------------------------------------


def _legacy_gbk(article: Article, variant: int):
    y, mo, d = article.published[:10].split("-")
    hm = article.published[11:16]
    printed_time = f"{y}年{mo}月{d}日 {hm}"
    column = COLUMNS[article.column]
    lines = []
    for part in article.paragraphs:
        if isinstance(part, Image):
            lines.append(
                f'<div align="center"><img src="{e(part.src)}" alt="{e(part.alt)}"></div>'
            )
            if part.caption:
                lines.append(f'<div align="center">{e(part.printed_caption)}</div>')
        else:
            lines.append(f"&nbsp;&nbsp;&nbsp;&nbsp;{e(part)}<br>")
    credit_lines = portal_credit_lines(article)
    credits = "".join(f"{e(line)}<br>" for line in credit_lines)
    page = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>{e(article.title)}_连州市人民政府</title>
</head>
<body topmargin="0">
<table width="980" align="center"><tr><td class="top_bg">头部</td></tr></table>
<table width="980" align="center"><tr>
<td width="200" valign="top" class="left_nav">
  <table><tr><td><a href="/zwgk/">政务公开</a></td></tr><tr><td><a href="/zwgk/lzyw/">连州要闻</a></td></tr>
  <tr><td><a href="/zwgk/zwyw/">政务要闻</a></td></tr><tr><td><a href="/zwgk/bmdt/">部门动态</a></td></tr></table>
</td>
<td valign="top">
  <table width="100%"><tr><td class="dqwz">当前位置：<a href="/">首页</a> &gt;&gt; <a href="/zwgk/">政务公开</a> &gt;&gt; <a href="{column.path}">{e(column.name)}</a></td></tr></table>
  <table width="100%" class="wz_tab">
    <tr><td class="title_bt" align="center"><b>{e(article.title)}</b></td></tr>
    <tr><td class="info_zw" align="center">信息来源：{e(article.source)}&nbsp;&nbsp;发布日期：{printed_time}&nbsp;&nbsp;【字体：<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>】</td></tr>
    <tr><td class="wzcon">
{chr(10).join(lines)}
<br>{credits}
    </td></tr>
    <tr><td align="right">【<a href="javascript:window.print()">打印本页</a>】【<a href="javascript:window.close()">关闭窗口</a>】</td></tr>
  </table>
</td></tr></table>
<table width="980" align="center"><tr><td class="bottom">版权所有：连州市人民政府　粤ICP备05000000号</td></tr></table>
</body>
</html>
"""
    body = page.encode("gb18030")  # GBK, plus the four-byte forms GBK lacks
    # Variant 1: the server's header wrongly says UTF-8 over these GBK bytes.
    header = "text/html; charset=utf-8" if variant == 1 else "text/html"
    return (
        body,
        {"Content-Type": header},
        Printed(printed_time, "minute", credit_lines, channel=column.name),
    )


def _ruby(text: str) -> str:
    out = []
    for ch in text:
        if ch in MIRROR_PINYIN:
            out.append(
                f"<ruby>{e(ch)}<rp>(</rp><rt>{MIRROR_PINYIN[ch]}</rt><rp>)</rp></ruby>"
            )
        else:
            out.append(e(ch))
    return "".join(out)


def _ruby_mirror(article: Article, variant: int):
    title = to_traditional(article.title)
    source = to_traditional(article.source)
    column = to_traditional(COLUMNS[article.column].name)
    printed_time = article.published[:16].replace("-", "/")
    parts = []
    for part in article.paragraphs:
        if isinstance(part, Image):
            parts.append(
                f'<p style="text-align:center"><img src="{e(part.src)}" alt="{e(to_traditional(part.alt))}"></p>'
            )
            if part.caption:
                parts.append(
                    f'<p style="text-align:center">{_ruby(to_traditional(part.printed_caption))}</p>'
                )
        else:
            parts.append(f"<p>\u3000\u3000{_ruby(to_traditional(part))}</p>")
    credit_lines = [to_traditional(line) for line in portal_credit_lines(article)]
    parts += [f"<p>{_ruby(line)}</p>" for line in credit_lines]
    page = f"""<!DOCTYPE html>
<html lang="zh-Hant">
<head>
<meta charset="utf-8">
<meta name="ArticleTitle" content="{e(title)}">
<meta name="PubDate" content="{article.published}">
<meta name="ContentSource" content="{e(source)}">
<meta name="ColumnName" content="{e(column)}">
<title>{e(title)}</title>
</head>
<body>
<div id="hd"><div class="logo">連州市人民政府</div></div>
<div class="article">
  <h1>{_ruby(title)}</h1>
  <div class="attr">來源：{_ruby(source)}　發佈時間：{printed_time}</div>
  <div class="TRS_Editor">
{chr(10).join(parts)}
  </div>
</div>
<div id="ft">版權所有：連州市人民政府</div>
</body>
</html>
"""
    return (
        page.encode("utf-8"),
        {"Content-Type": "text/html; charset=utf-8"},
        Printed(
            article.published, "second", credit_lines, traditional=True, channel=column
        ),
    )


def _modern(article: Article, variant: int):
    y, mo, d = (int(x) for x in article.published[:10].split("-"))
    hm = article.published[11:16]
    # Variant 1 prints no year: the listing's date gives it.
    printed_time = (
        f"{mo:02d}-{d:02d} {hm}" if variant == 1 else f"{y}年{mo}月{d}日 {hm}"
    )
    parts = []
    for part in article.paragraphs:
        if isinstance(part, Image):
            caption = (
                f"<figcaption>{e(part.printed_caption)}</figcaption>"
                if part.caption
                else ""
            )
            parts.append(
                f'<figure><img src="{e(part.src)}" alt="{e(part.alt)}">{caption}</figure>'
            )
        else:
            parts.append(f'<div class="para">{e(part)}</div>')
    if article.credit_style == "media":
        line = (
            f"记者：{'、'.join(article.credits['reporter'])}　编辑：{article.credits['editor'][0]}"
            f"　校对：{article.credits['proofreader'][0]}　审核：{article.credits['reviewer'][0]}"
        )
        credit_lines = [line.replace("\u3000", " ")]
    else:
        credit_lines = portal_credit_lines(article)
    credits = "".join(f"<p class='byline'>{e(line)}</p>" for line in credit_lines)
    related = "".join(
        f'<li><a href="/zwgk/lzyw/content/post_{1600000 + i}.html">连州市召开第{i}次专题会议 研究部署相关工作</a></li>'
        for i in range(1, 7)
    )
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{e(article.title)} | 连州发布</title></head>
<body>
<nav class="topbar"><a href="/">首页</a> <a href="/news/">新闻</a> <a href="/service/">办事</a></nav>
<main>
<article class="post">
  <header>
    <h1 class="headline">{e(article.title)}</h1>
    <ul class="post-meta"><li>来源：{e(article.source)}</li><li>发布时间：{printed_time}</li></ul>
  </header>
  <section class="post-body">
{chr(10).join(parts)}
{credits}
  </section>
  <footer class="post-tools"><span>分享到：</span><a href="#">微信</a><a href="#">微博</a></footer>
  <nav class="post-nav"><p>上一篇：<a href="/a.html">连州召开会议</a></p><p>下一篇：<a href="/b.html">连州开展活动</a></p></nav>
</article>
<aside class="related"><h2>相关阅读</h2><ul>{related}</ul></aside>
</main>
<footer class="site-footer">主办单位：连州市人民政府办公室</footer>
</body>
</html>
"""
    precision = "minute"
    return (
        page.encode("utf-8"),
        {"Content-Type": "text/html; charset=utf-8"},
        Printed(printed_time, precision, credit_lines),
    )


def _zoom_sidebar(article: Article, variant: int):
    printed_time = article.published[:10]
    column = COLUMNS[article.column]
    parts = []
    for part in article.paragraphs:
        if isinstance(part, Image):
            parts.append(
                f'<p align="center"><img src="{e(part.src)}" alt="{e(part.alt)}"></p>'
            )
            if part.caption:
                parts.append(f'<p align="center">{e(part.printed_caption)}</p>')
        else:
            parts.append(f"<p>{e(part)}</p>")
    credit_lines = []
    writers = (
        article.all_credits.get("reporter") or article.all_credits.get("writer") or []
    )
    if article.credit_style == "nanfang":
        credit_lines = portal_credit_lines(article)
    else:
        credit_lines = [f"文/图：{' '.join(writers)}"]
        if "editor" in article.credits:
            credit_lines.append(f"责任编辑：{article.credits['editor'][0]}")
    credits = "".join(f"<p>{e(line)}</p>" for line in credit_lines)
    sidebar = (
        "<p>领导信箱是市政府联系群众的重要渠道，市民可就全市经济社会发展、城市建设管理、"
        "民生服务等方面的问题提出意见建议。来信将按照分级负责、归口办理的原则，"
        "及时转交有关部门办理，办理结果将通过信箱予以答复。请来信人如实填写个人信息，"
        "对反映问题的真实性负责。</p>" * 2
    )
    page = f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>{e(article.title)}-{e(column.name)}</title></head>
<body>
<div class="wrap">
<div class="crumb">您的位置：<a href="/">首页</a> / <a href="/zwgk/">政务公开</a> / <a href="{column.path}">{e(column.name)}</a></div>
<div class="left">
  <div class="zw-title">{e(article.title)}</div>
  <div class="zw-info">来源:{e(article.source)} 时间:{printed_time}</div>
  <div id="zoom">
{chr(10).join(parts)}
{credits}
  </div>
</div>
<div class="right"><h3>领导信箱</h3>{sidebar}<h3>热点专题</h3><ul><li><a href="/zt/1/">乡村振兴</a></li><li><a href="/zt/2/">文明创建</a></li></ul></div>
</div>
<div class="footer">网站标识码：4418820001</div>
</body>
</html>
"""
    return (
        page.encode("utf-8"),
        {"Content-Type": "text/html; charset=utf-8"},
        Printed(printed_time, "day", credit_lines, channel=column.name),
    )
