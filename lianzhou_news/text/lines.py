"""What a cleaned line of page text is (chrome, end marker, stop line, info line) and what an info line says.

The info line is the one carrying 来源 / 发布时间 labels, in either script,
with a full-width or ASCII colon; its labels also mark the attribution and
metadata lines some pages print inside or above the text.
"""

from __future__ import annotations

import re

from .dates import find_date

# Lines that are template furniture, in both scripts. Matched against a whole
# cleaned line; anything longer than a short run of these words is content.
_CHROME_LINE_RE = re.compile(
    r"""^(?:
        头部|頭部|底部|footer\s*底部|footer|header|
        (?:您(?:当前|當前|现在|現在)?(?:所在的?|的)?(?:位置|位置)|当前位置|當前位置)\s*[:：].*|
        .*(?:字体大小|字體大小|字号|字號)\s*[:：].*|
        .{0,20}(?:字体|字體)\s*[:：]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中.*|
        (?:微信|微博|QQ空间|QQ|朋友圈|豆瓣|人人网|腾讯微博|新浪微博|分享到?[:：]?)
            (?:\s*(?:微信|微博|QQ空间|QQ|朋友圈|豆瓣|人人网|腾讯微博|新浪微博))+|
        .*(?:浏览次数|瀏覽次數|阅读次数|閱讀次數|点击数|點擊數|访问量|訪問量)\s*[:：].*|
        [【\[]?\s*(?:打印(?:本页|本頁|此页)?|关闭(?:窗口|本页)?|關閉(?:窗口|本頁)?|
            分享(?:到)?|收藏|返回顶部|返回頂部|[大中小]|字体|字體|纠错|糾錯)\s*[】\]]?
        (?:\s*[|/]?\s*[【\[]?\s*(?:打印(?:本页|本頁|此页)?|关闭(?:窗口|本页)?|
            關閉(?:窗口|本頁)?|分享(?:到)?|收藏|返回顶部|返回頂部|[大中小]|字体|字體|
            纠错|糾錯)\s*[】\]]?)*\s*[:：]?|
        分享到\s*[:：]?.*|
        扫一扫.*|掃一掃.*|
        # A share widget's sentence: "用微信扫一扫，点击右上角分享按钮，…" (nfra)
        .{0,10}(?:扫一扫|掃一掃).{0,30}(?:分享|朋友圈).{0,40}|
        (?:图片|圖片|image|img|photo)|
        [\w\-]+\.(?:jpe?g|png|gif|webp|bmp)|
        [（(]?点击(?:看|查看)?(?:清晰)?大图[)）]?|
        点击进入.{0,24}|點擊進入.{0,24}|
        安装.{0,12}客户端.*|.{0,12}(?:客户端|APP|App)|
        # thepaper.cn's (本文来自澎湃新闻…): real/third_party/gne/tests/thepaper/3.html, 5.html
        [（(]本文来自.{0,40}[)）]|
        .*(?:点我下载|點我下載|下载APP|下載APP).*|
        # BBC Chinese's media links: real/third_party/goose3/tests/data/content/test_bbc_chinese.html
        收[看听聽]\s*\d{1,2}:\d{2}|
        正在加载.*|正在載入.*|
        图集|圖集|[+＋]\d{1,2}|【纠错】|【糾錯】|
        (?:[【\[]\d{1,3}[】\]]\s*){2,}|(?:上一页|下一页|上一頁|下一頁|首页|尾页|末页)(?:\s+\S{1,4})*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# The article ends at these: everything after them is credits or page chrome.
_END_MARKER_RE = re.compile(r"^[-—–_\s]*(?:THE\s*END|完|END)[-—–_\s]*$", re.IGNORECASE)

# Lines that mean the article and its credit block are over: pagers, related
# links, the footer. Nothing after one of these is article content.
_STOP_LINE_RE = re.compile(
    r"""^(?:
        footer\s*底部|底部|
        上一篇\s*[:：]?.*|下一篇\s*[:：]?.*|
        (?:相关|相關)(?:新闻|新聞|阅读|閱讀|文章|链接|鏈接)\s*[:：]?.*|
        (?:版权所有|版權所有|主办单位|主辦單位|网站标识码|網站標識碼)\s*[:：]?.*|
        (?:相关附件|相關附件|附件下载|附件下載|下载专区|下載專區)\s*[:：]?.*|
        [【\[]?打印(?:文档|本页|本頁|此页|文章)?[】\]]?\s*[【\[]?(?:关闭|關閉)(?:窗口|本页|本頁)?[】\]]?.{0,20}|
        .{0,60}(?:未经授权不得转载|未經授權不得轉載|转载请注明出处|轉載請註明出處|
            未经许可不得转载|未經許可不得轉載|不得转载|版权归.{1,20}所有).{0,60}|
        .*(?:ICP备|ICP備|公网安备|公網安備).*|
        # nfra's rights notice: "1.凡本站及其子站注明…其版权属于…所有。…转载使用时必须注明…"
        .{0,20}凡本(?:站|网|網).{0,200}(?:版权|版權|转载|轉載).{0,200}|
        .*\d\s*条评论.*|.*\d\s*條評論.*|  # \d, not \d+: after .* it was quadratic
        (?:最热|最新|热门|全部|精彩|网友|熱門|網友)評?评?论.*|我要评论.*|发表评论.*|
        查看全部.*|更多精彩评论.*|
        免责声明\s*[:：].*|免責聲明\s*[:：].*|
        (?:推荐阅读|推薦閱讀|延伸阅读|热门推荐|猜你喜欢|精彩推荐)\s*.{0,10}|
        (?:用微信)?扫描二维码.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


# What only a page footer prints: the portal's address, its sponsor, its
# registration numbers. No article text is made of these.
_FOOTER_LINE_RE = re.compile(
    r"^(?:(?:版权所有|版權所有|主办单位|主辦單位|承办单位|承辦單位|网站标识码|網站標識碼)\s*[:：]?.*"
    r"|.*(?:ICP备|ICP備|公网安备|公網安備).*"
    r"|(?:办公地址|辦公地址|联系地址|聯繫地址)\s*[:：].{0,80})$"
)


def is_footer_line(line: str) -> bool:
    """True for a line that only a page footer prints.

    >>> is_footer_line("办公地址：广州市海珠区琶洲大道190号 邮编：510308")
    True
    >>> is_footer_line("主办单位: 国家能源局南方监管局 京ICP备11044902号")
    True
    >>> is_footer_line("会议在市政府办公地址召开。")
    False
    """
    return bool(_FOOTER_LINE_RE.match(line))


def is_chrome(line: str) -> bool:
    """True when a cleaned line is page furniture rather than article text.

    >>> is_chrome("頭部"), is_chrome("字體大?。? 瀏覽次數:-"), is_chrome("【打印】【关闭】")
    (True, True, True)
    >>> is_chrome("圖片"), is_chrome("IMG_2041.JPG"), is_chrome("您当前所在的位置：首页 > 新闻")
    (True, True, True)
    >>> is_chrome("【1】【2】【3】【4】"), is_chrome("+1"), is_chrome("图集")
    (True, True, True)
    >>> is_chrome("用微信扫一扫，点击右上角分享按钮，将本文分享给您的好友或朋友圈。")
    True
    >>> is_chrome("会议指出，过去一年……"), is_chrome("大会"), is_chrome("【通讯员】连宣")
    (False, False, False)
    """
    return bool(_CHROME_LINE_RE.match(line))


# Widgets some portals glue to the end of the last paragraph. 返回搜狐，查看更多
# is Sohu's (real/third_party/htmldate/tests/eval/sohu.com-Likeqiang.html, a
# labelled page of tests/test_real_pages.py: its body must end before it).
_TRAILING_CHROME_RE = re.compile(r"\s*(?:返回搜狐[，,]?\s*查看更多|返回.{0,4}首页>*)$")


def strip_trailing_chrome(line: str) -> str:
    """Cut a portal widget glued to the end of a paragraph.

    >>> strip_trailing_chrome("也前往送别。返回搜狐，查看更多")
    '也前往送别。'
    """
    return _TRAILING_CHROME_RE.sub("", line)


def is_end_marker(line: str) -> bool:
    """True for the ``- THE END -`` line that closes many articles.

    >>> is_end_marker("- THE END -"), is_end_marker("—END—"), is_end_marker("完成任务")
    (True, True, False)
    """
    return bool(_END_MARKER_RE.match(line))


def is_stop_line(line: str) -> bool:
    """True for lines after which nothing belongs to the article.

    >>> is_stop_line("footer底部"), is_stop_line("上一篇：连州召开会议"), is_stop_line("底部新闻")
    (True, True, False)
    """
    return bool(_STOP_LINE_RE.match(line))


# ---------------------------------------------------------------------------
# Info line: 来源 and 发布时间
# ---------------------------------------------------------------------------

_COLON = r"\s*[:：]\s*"
_SOURCE_LABEL = r"(?:文章来源|文章來源|信息来源|信息來源|来源于|來源於|来源|來源|稿源)"
_TIME_LABEL = (
    r"(?:发布时间|發布時間|發佈時間|发布日期|發布日期|發佈日期|发表时间|發表時間|更新时间|更新時間|"
    r"发文日期|發文日期|"
    # Bare, only when not the end of another word (留言时间 is a comment's).
    r"(?<![\u4e00-\u9fff])(?:时间|時間|日期))"
)
# Words that begin the next field of an info line; a source ends before them.
_NEXT_FIELD = (
    rf"(?:{_TIME_LABEL}|作者|责任编辑|責任編輯|编辑|編輯|记者|記者|字体|字體|字号|字號|浏览|瀏覽|"
    r"阅读次数|閱讀次數|点击|點擊|分享|下载|下載|收藏|打印|【|\[|文章类型|文章類型|"
    r"(?:19|20)\d{2}\s*[-/.年]|\d{1,2}:\d{2})"
)
_SOURCE_RE = re.compile(
    rf"{_SOURCE_LABEL}{_COLON}(?P<source>.+?)\s*(?=\s{_NEXT_FIELD}|{_NEXT_FIELD}|\s\s|$)"
)
_TIME_RE = re.compile(rf"{_TIME_LABEL}{_COLON}(?P<time>\d[\d\-/.:：年月日\s]+\d日?)")
_INFO_LABEL_RE = re.compile(rf"{_SOURCE_LABEL}{_COLON}|{_TIME_LABEL}{_COLON}\d")


_ATTRIBUTION_RE = re.compile(
    rf"^(?:本文|文章|信息|稿件)?{_SOURCE_LABEL}{_COLON}\S|^{_TIME_LABEL}{_COLON}\d"
)


# Needed by 163.com's reposts of 新京报 (real/third_party/gne/tests/163/2.html,
# labelled, and 163/1-7.html): their 责任编辑 sits behind 本文来源 in the text.
def is_attribution_line(line: str) -> bool:
    """A short line that starts with a 来源 or 发布时间 label: metadata, not text.

    >>> is_attribution_line("本文来源：新京报 责任编辑：杜硕_NB12556")
    True
    >>> is_attribution_line("项目资金来源：财政拨款500万元。")
    False
    """
    return len(line) <= 100 and bool(_ATTRIBUTION_RE.match(line))


_METADATA_WORDS_RE = re.compile(
    r"来源|來源|作者|阅读|閱讀|浏览|瀏覽|评论|評論|编辑|編輯|发布|發布|发表|發表|点击|點擊"
)


# Needed by CSDN's blog skin (real/third_party/gne/tests/csdn/1.html), which opens
# its body with such a line.
def is_metadata_line(line: str) -> bool:
    """A short dated line made of metadata: what opens a body on some portals.

    >>> is_metadata_line("发表于2014-08-24 21:30| 1164次阅读| 来源CSDN| 0 条评论| 作者魏星")
    True
    >>> is_metadata_line("2019年9月7日，记者从市发布会上获悉，全市已完成改造。")
    False
    """
    return (
        len(line) <= 100
        and find_date(line) is not None
        and len(_METADATA_WORDS_RE.findall(line)) >= 2
        and not line.rstrip().endswith(("。", "！", "？", "."))
    )


def strip_source_label(line: str) -> str:
    """What an attribution line says after its 来源 value (often credits).

    >>> strip_source_label("本文来源：新京报 责任编辑：杜硕_NB12556")
    '责任编辑：杜硕_NB12556'
    """
    match = _SOURCE_RE.search(line)
    return line[match.end() :].strip() if match else line


def is_info_line(line: str) -> bool:
    """True for the line that carries 来源 and/or 发布时间 labels.

    >>> is_info_line("来源：南方+ 发布时间：2024-05-06 09:30:00")
    True
    >>> is_info_line("來源:連州市融媒體中心 發布時間:2023-03-22 17:01:12 字體大?。?")
    True
    >>> is_info_line("会议的来源是群众")
    False
    """
    return bool(_INFO_LABEL_RE.search(line))


def parse_source(line: str) -> str | None:
    """The 来源 value of an info line, or None.

    >>> parse_source("來源:連州市融媒體中心 發布時間:2023-03-22 17:01:12 字體大?。?")
    '連州市融媒體中心'
    >>> parse_source("来源于：东区办事处")
    '东区办事处'
    >>> parse_source("来源 ： 南方+  发布时间：2024-05-06")
    '南方+'
    >>> parse_source("来源：连州市档案局发布时间：2024-05-06")
    '连州市档案局'
    >>> parse_source("來源:南方+ 發佈時間:2024-02-22 20:21:09")
    '南方+'
    >>> parse_source("发布时间：2024-05-06") is None
    True

    Furniture after the value is not the value:

    >>> parse_source("来源：辽阳日报 字体：[大 中 小]"), parse_source("来源：教育部 下载 收藏")
    ('辽阳日报', '教育部')
    >>> parse_source("来源：云南日报 2016-08-11 08:"), parse_source("信息来源：市政府办 浏览次数：12")
    ('云南日报', '市政府办')
    >>> parse_source("稿源：本网 打印 分享"), parse_source("來源：南方日報 字號：")
    ('本网', '南方日報')
    >>> parse_source("文章来源：字号："), parse_source("来源：【打印】")
    (None, None)
    """
    match = _SOURCE_RE.search(line)
    if not match:
        return None
    value = match.group("source").strip()
    # "来源： 分享：" or "来源：【打印】": the label printed empty, then furniture.
    if not value or re.match(_NEXT_FIELD, value) or is_chrome(value):
        return None
    return value


def prints_empty_source(line: str) -> bool:
    """True when a line prints a 来源 label with no value after it.

    >>> prints_empty_source("日期：2025-02-26 11:54 来源："), prints_empty_source("来源：南方+")
    (True, False)
    """
    return bool(re.search(rf"{_SOURCE_LABEL}{_COLON}", line)) and not parse_source(line)


def parse_info_time(line: str) -> str | None:
    """The raw 发布时间 text of an info line, as printed, or None.

    >>> parse_info_time("來源:連州 發布時間:2023-03-22 17:01:12 字體大?。?")
    '2023-03-22 17:01:12'
    >>> parse_info_time("发布日期：2023年3月22日 来源：南方+")
    '2023年3月22日'
    """
    match = _TIME_RE.search(line)
    return match.group("time").strip() if match else None


# ---------------------------------------------------------------------------
# A source written by a script
# ---------------------------------------------------------------------------

_WRITE_RE = re.compile(
    r"document\.write(?:ln)?\s*\((?P<args>[^;]{0,400}?)\)\s*(?:;|$)", re.M
)
_STRING_RE = re.compile(
    r"""(?P<q>["'])(?P<s>(?:\\.|(?!(?P=q)).){0,200})(?P=q)|(?P<name>[A-Za-z_$][\w$]*)"""
)
_VAR_RE = (
    r"""(?:var|let|const)?\s*{name}\s*=\s*(?P<q>["'])(?P<s>[^"'\n]{{0,80}})(?P=q)"""
)
_TAG_RE = re.compile(r"<[^>]{0,200}>")


def parse_script_source(scripts: list[str]) -> str | None:
    """The 来源 value an inline script writes into the page, or None.

    Some CMS templates print the label and value with ``document.write``,
    the value often from a variable; the value is read where it is in the
    page's script text (never by running the script).

    >>> parse_script_source(['document.write("<span>来源：新华社</span>");'])
    '新华社'
    >>> parse_script_source(['var source = "连州市融媒体中心";',
    ...     'if (source) { document.write("来源：" + source); }'])
    '连州市融媒体中心'
    >>> parse_script_source(['var ly = ""; document.write("来源：" + ly);']) is None
    True
    """
    text = "\n".join(scripts)
    for call in _WRITE_RE.finditer(text):
        parts = []
        for token in _STRING_RE.finditer(call.group("args")):
            if token.group("name"):
                name = re.escape(token.group("name"))
                found = re.search(_VAR_RE.format(name=name), text)
                parts.append(found.group("s") if found else "")
            else:
                parts.append(token.group("s"))
        written = _TAG_RE.sub(" ", "".join(parts))
        if re.search(rf"{_SOURCE_LABEL}{_COLON}", written) and (
            value := parse_source(" ".join(written.split()))
        ):
            return value
    return None
