"""Pure text processors: cleaning, chrome detection, dates, credits, script.

Everything here works on plain strings and knows nothing about Scrapy, so each
function is tested by its doctest examples and reused by the loaders, the
extractor and the listing parser alike.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

#: China Standard Time. Every timestamp this project emits carries this offset:
#: the sites publish Beijing time, and the machine's own zone must never leak in.
CST = timezone(timedelta(hours=8), "Asia/Shanghai")

#: Earliest publication date we accept; the portal family is younger than this.
EARLIEST_DATE = datetime(1990, 1, 1, tzinfo=CST)

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"

# ---------------------------------------------------------------------------
# Text cleaning
# ---------------------------------------------------------------------------

# Mirrors annotate characters with pinyin in brackets right after them:
# 會(huì)議 -> 會議. A syllable must carry a tone mark, so that ordinary
# bracketed Latin text such as 中心(CBD) or (Tel) is never touched.
_PINYIN_RE = re.compile(
    rf"(?<=[{CJK}])[(（]\s*[a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*\s*[)）]"
)

# Spaces that CMS editors use for indentation or that HTML entities leave:
# NBSP, ideographic space, the en/em/thin spaces, zero-width characters, BOM.
_SPACE_RE = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations that mirrors add after CJK characters.

    >>> strip_pinyin("連州市宣傳思想文化工作會(huì)議召開(kāi)")
    '連州市宣傳思想文化工作會議召開'
    >>> strip_pinyin("各鎮(zhèn)(鄉(xiāng))分管")
    '各鎮(鄉)分管'
    >>> strip_pinyin("校對(duì):唐芳")
    '校對:唐芳'
    >>> strip_pinyin("中央商务区(CBD)与(de)")
    '中央商务区(CBD)与(de)'
    """
    return _PINYIN_RE.sub("", text)


def clean_text(text: str | None) -> str:
    """Normalise one line of page text without changing its script or punctuation.

    Pinyin annotations go, every run of whitespace (NBSP and ideographic space
    included) becomes one ASCII space, invisible characters are removed and the
    ends are stripped. Full-width punctuation is kept: it is what was published.

    >>> clean_text("\\u3000\\u3000 3月20日,連州市用一整天的時(shí)間 ")
    '3月20日,連州市用一整天的時間'
    >>> clean_text("连州市\\u00a0\\u00a0宣传\\u200b部")
    '连州市 宣传部'
    >>> clean_text(None)
    ''
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = strip_pinyin(text)
    return _SPACE_RE.sub(" ", text).strip()


# ---------------------------------------------------------------------------
# Page chrome
# ---------------------------------------------------------------------------

# Lines that are template furniture, in both scripts. Matched against a whole
# cleaned line; anything longer than a short run of these words is content.
_CHROME_LINE_RE = re.compile(
    r"""^(?:
        头部|頭部|底部|footer\s*底部|footer|header|
        (?:您(?:当前|當前|现在|現在)?(?:所在的?|的)?(?:位置|位置)|当前位置|當前位置)\s*[:：].*|
        .*(?:字体大小|字體大小|字号|字號)\s*[:：].*|
        .*(?:浏览次数|瀏覽次數|阅读次数|閱讀次數|点击数|點擊數|访问量|訪問量)\s*[:：].*|
        [【\[]?\s*(?:打印(?:本页|本頁|此页)?|关闭(?:窗口|本页)?|關閉(?:窗口|本頁)?|
            分享(?:到)?|收藏|返回顶部|返回頂部|[大中小]|字体|字體|纠错|糾錯)\s*[】\]]?
        (?:\s*[|/]?\s*[【\[]?\s*(?:打印(?:本页|本頁|此页)?|关闭(?:窗口|本页)?|
            關閉(?:窗口|本頁)?|分享(?:到)?|收藏|返回顶部|返回頂部|[大中小]|字体|字體|
            纠错|糾錯)\s*[】\]]?)*\s*[:：]?|
        分享到\s*[:：]?.*|
        扫一扫.*|掃一掃.*|
        (?:图片|圖片|image|img|photo)|
        [\w\-]+\.(?:jpe?g|png|gif|webp|bmp)|
        [（(]?点击(?:看|查看)?(?:清晰)?大图[)）]?|
        点击进入.{0,24}|點擊進入.{0,24}|
        安装.{0,12}客户端.*|.{0,12}(?:客户端|APP|App)|
        [（(]本文来自.{0,40}[)）]|
        .*(?:点我下载|點我下載|下载APP|下載APP).*|
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
        .*(?:ICP备|ICP備|公网安备|公網安備).*|
        .*\d+\s*条评论.*|.*\d+\s*條評論.*|
        (?:最热|最新|热门|全部|精彩|网友|熱門|網友)評?评?论.*|我要评论.*|发表评论.*|
        查看全部.*|更多精彩评论.*|
        免责声明\s*[:：].*|免責聲明\s*[:：].*|
        (?:推荐阅读|推薦閱讀|延伸阅读|热门推荐|猜你喜欢|精彩推荐)\s*.{0,10}|
        (?:用微信)?扫描二维码.*|
        返回.{0,6}查看更多.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def is_chrome(line: str) -> bool:
    """True when a cleaned line is page furniture rather than article text.

    >>> is_chrome("頭部"), is_chrome("字體大?。? 瀏覽次數:-"), is_chrome("【打印】【关闭】")
    (True, True, True)
    >>> is_chrome("圖片"), is_chrome("IMG_2041.JPG"), is_chrome("您当前所在的位置：首页 > 新闻")
    (True, True, True)
    >>> is_chrome("【1】【2】【3】【4】"), is_chrome("+1"), is_chrome("图集")
    (True, True, True)
    >>> is_chrome("会议指出，过去一年……"), is_chrome("大会"), is_chrome("【通讯员】连宣")
    (False, False, False)
    """
    return bool(_CHROME_LINE_RE.match(line))


# Widgets some portals glue to the end of the last paragraph.
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
    r"时间|時間|日期)"
)
# Words that begin the next field of an info line; a source ends before them.
_NEXT_FIELD = (
    rf"(?:{_TIME_LABEL}|作者|责任编辑|責任編輯|编辑|編輯|记者|記者|字体大小|字體大小|字号|字號|浏览次数|瀏覽次數|"
    r"阅读次数|閱讀次數|点击|點擊|分享|【)"
)
_SOURCE_RE = re.compile(
    rf"{_SOURCE_LABEL}{_COLON}(?P<source>.+?)\s*(?=\s{_NEXT_FIELD}|{_NEXT_FIELD}|\s\s|$)"
)
_TIME_RE = re.compile(rf"{_TIME_LABEL}{_COLON}(?P<time>\d[\d\-/.:：年月日\s]+\d日?)")
_INFO_LABEL_RE = re.compile(rf"{_SOURCE_LABEL}{_COLON}|{_TIME_LABEL}{_COLON}\d")


_ATTRIBUTION_RE = re.compile(
    rf"^(?:本文|文章|信息|稿件)?{_SOURCE_LABEL}{_COLON}\S|^{_TIME_LABEL}{_COLON}\d"
)


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
    """
    match = _SOURCE_RE.search(line)
    if not match:
        return None
    return match.group("source").strip() or None


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
# Dates
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Timestamp:
    """A publication time in Beijing time, with what the page really said."""

    value: datetime
    precision: str  # "day", "minute" or "second"
    raw: str

    def isoformat(self) -> str:
        """ISO 8601 with the +08:00 offset, whatever the precision.

        A date-only value is midnight Beijing time of that date, never a
        UTC conversion of it; ``precision`` says that only the day is known.
        """
        return self.value.isoformat(timespec="seconds")


_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:T\s*)?(?P<H>\d{1,2})\s*[:：时時]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
# English month names, as blog platforms print them: "Dec 28 Sat 2013 00:28".
_EN_DATE_RE = re.compile(
    r"\b(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(?P<d>\d{1,2})"
    r"(?:\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*)?,?\s+(?P<y>(?:19|20)\d{2})"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?",
    re.IGNORECASE,
)


def find_date(text: str | None) -> str | None:
    """The first full date (with its time, if printed) in a line, as printed.

    >>> find_date("2019-09-07 15:14:21 来源: 新京报")
    '2019-09-07 15:14:21'
    >>> find_date("Dec 28 Sat 2013 00:28")
    'Dec 28 Sat 2013 00:28'
    >>> find_date("没有日期") is None
    True
    """
    match = (_DATE_RE.search(text) or _EN_DATE_RE.search(text)) if text else None
    return match.group(0).strip() if match else None


# Month and day without a year, as listings and some info lines print them:
# "03-22 17:01", "3月22日". Only tried on short, labelled values.
_YEARLESS_RE = re.compile(
    r"(?<![\d年/.-])(?P<m>\d{1,2})\s*[-/月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?)?(?![\d月])"
)


def parse_timestamp(
    text: str | None, *, now: datetime, reference: datetime | None = None
) -> Timestamp | None:
    """Parse a publication time printed on a page into Beijing time.

    A regex fast path covers every form these sites print; dateparser is the
    fallback, pinned to Chinese, Asia/Shanghai and ``now`` so that neither the
    host clock nor the host zone can leak in. Dates before 1990 or after
    ``now`` are impossible for a published article and give None. A month and
    day without a year take the year of ``reference`` (the listing's date, else
    ``now``), or the year before when that would put them after it.

    >>> now = datetime(2026, 11, 27, tzinfo=CST)
    >>> parse_timestamp("2023-03-22 17:01:12", now=now).isoformat()
    '2023-03-22T17:01:12+08:00'
    >>> t = parse_timestamp("2023年3月22日", now=now); t.isoformat(), t.precision
    ('2023-03-22T00:00:00+08:00', 'day')
    >>> parse_timestamp("发布时间：2023/03/22 17:01", now=now).precision
    'minute'
    >>> parse_timestamp("2023.03.22", now=now).isoformat()
    '2023-03-22T00:00:00+08:00'
    >>> parse_timestamp("Dec 28 Sat 2013 00:28", now=now).isoformat()
    '2013-12-28T00:28:00+08:00'
    >>> parse_timestamp("03-22 17:01", now=now).isoformat()
    '2026-03-22T17:01:00+08:00'
    >>> parse_timestamp("09-3022:46", now=now).isoformat()  # day and hour glued
    '2026-09-30T22:46:00+08:00'
    >>> parse_timestamp("12月30日", now=now).isoformat()
    '2025-12-30T00:00:00+08:00'
    >>> listed = datetime(2023, 3, 25, tzinfo=CST)
    >>> parse_timestamp("3月22日", now=now, reference=listed).isoformat()
    '2023-03-22T00:00:00+08:00'
    >>> parse_timestamp("2031-01-01", now=now) is None, parse_timestamp("1989-06-01", now=now)
    (True, None)
    """
    if not text:
        return None
    if match := _DATE_RE.search(text):
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    elif match := _EN_DATE_RE.search(text):
        parts = {k: v for k, v in match.groupdict().items() if v is not None}
        parts["m"] = _MONTHS.index(parts.pop("mon")[:3].lower()) + 1
        parts = {k: int(v) for k, v in parts.items()}
    elif match := _YEARLESS_RE.search(text) if len(text) <= 40 else None:
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
        base = (reference or now).astimezone(CST)
        parts["y"] = base.year
        if (parts["m"], parts["d"]) > (base.month, base.day):
            parts["y"] -= 1  # printed without a year, so it lies in the past
    else:
        return _dateparser_timestamp(text, now=now)
    precision = "second" if "S" in parts else "minute" if "M" in parts else "day"
    try:
        value = datetime(
            parts["y"],
            parts["m"],
            parts["d"],
            parts.get("H", 0),
            parts.get("M", 0),
            parts.get("S", 0),
            tzinfo=CST,
        )
    except ValueError:
        return None
    return _if_possible(Timestamp(value, precision, match.group(0).strip()), now)


def _if_possible(timestamp: Timestamp | None, now: datetime) -> Timestamp | None:
    if timestamp is None:
        return None
    if EARLIEST_DATE <= timestamp.value <= now.astimezone(CST) + timedelta(days=1):
        return timestamp
    return None


def _dateparser_timestamp(text: str, *, now: datetime) -> Timestamp | None:
    """Relative and unusual forms, through dateparser pinned to Beijing and ``now``.

    >>> now = datetime(2026, 11, 27, 10, 0, tzinfo=CST)
    >>> parse_timestamp("3小时前", now=now).isoformat()
    '2026-11-27T07:00:00+08:00'
    >>> t = parse_timestamp("昨天 10:30", now=now); t.isoformat(), t.precision
    ('2026-11-26T10:30:00+08:00', 'minute')
    >>> t = parse_timestamp("2天前", now=now); t.isoformat(), t.precision
    ('2026-11-25T00:00:00+08:00', 'day')
    """
    value = _dateparser_fallback(text, now=now)
    if value is None:
        return None
    # What the text really said: a clock time or hours/minutes ago, else a day.
    if re.search(r"\d[:：]\d|小时|小時|分钟|分鐘|秒|刚刚|剛剛", text):
        precision = "second" if value.second else "minute"
    else:
        precision, value = "day", value.replace(hour=0, minute=0, second=0)
    value = value.replace(microsecond=0)
    return _if_possible(Timestamp(value, precision, text.strip()), now)


def _dateparser_fallback(text: str, *, now: datetime) -> datetime | None:
    # Imported lazily: dateparser costs ~0.5 s to import and is rarely needed.
    import dateparser

    if len(text) > 80:  # pathological inputs take dateparser seconds
        return None
    parsed = dateparser.parse(
        text,
        languages=["zh"],
        settings={
            "TIMEZONE": "Asia/Shanghai",
            "TO_TIMEZONE": "Asia/Shanghai",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": now.astimezone(CST).replace(tzinfo=None),
        },
    )
    return parsed.astimezone(CST) if parsed else None


def merge_timestamps(
    first: Timestamp | None, second: Timestamp | None
) -> Timestamp | None:
    """Combine two readings of one time: the more precise wins where they agree.

    >>> now = datetime(2026, 11, 27, tzinfo=CST)
    >>> meta = parse_timestamp("2023-03-22 17:01", now=now)
    >>> info = parse_timestamp("2023-03-22 17:01:12", now=now)
    >>> merge_timestamps(meta, info).isoformat()
    '2023-03-22T17:01:12+08:00'
    >>> merge_timestamps(info, parse_timestamp("2023-03-21", now=now)).isoformat()
    '2023-03-22T17:01:12+08:00'
    """
    if first is None or second is None:
        return first or second
    order = ("day", "minute", "second")
    coarse, fine = sorted((first, second), key=lambda t: order.index(t.precision))
    if _truncate(fine.value, coarse.precision) == coarse.value:
        return fine
    return first  # they disagree: keep the reading of the more trusted layer


def _truncate(value: datetime, precision: str) -> datetime:
    if precision == "day":
        return value.replace(hour=0, minute=0, second=0)
    if precision == "minute":
        return value.replace(second=0)
    return value


# ---------------------------------------------------------------------------
# Credits
# ---------------------------------------------------------------------------

#: Printed role labels (both scripts) and the roles each is filed under.
ROLE_LABELS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(["记者", "記者", "本报记者", "本報記者"], ("reporter",)),
    **dict.fromkeys(
        [
            "编辑",
            "編輯",
            "责任编辑",
            "責任編輯",
            "责编",
            "責編",
            "实习编辑",
            "實習編輯",
        ],
        ("editor",),
    ),
    **dict.fromkeys(["校对", "校對"], ("proofreader",)),
    **dict.fromkeys(
        [
            "审核",
            "審核",
            "審覈",
            "审校",
            "審校",
            "审稿",
            "審稿",
            "终审",
            "終審",
            "一审",
            "一審",
            "二审",
            "二審",
            "三审",
            "三審",
        ],
        ("reviewer",),
    ),
    **dict.fromkeys(["摄影", "攝影", "图", "圖", "摄", "攝"], ("photographer",)),
    **dict.fromkeys(["通讯员", "通訊員"], ("correspondent",)),
    **dict.fromkeys(["撰写", "撰寫", "撰稿", "文", "文字", "作者"], ("writer",)),
    **dict.fromkeys(
        ["文/图", "文/圖", "图/文", "圖/文", "文图", "文圖", "图文", "圖文"],
        ("writer", "photographer"),
    ),
    **dict.fromkeys(["海报", "海報", "设计", "設計", "美编", "美編"], ("designer",)),
    **dict.fromkeys(
        ["视频", "視頻", "摄像", "攝像", "剪辑", "剪輯"], ("videographer",)
    ),
    **dict.fromkeys(["策划", "策劃", "统筹", "統籌", "监制", "監製"], ("producer",)),
    **dict.fromkeys(["翻译", "翻譯"], ("translator",)),
}

# Single-character labels (文, 图, 摄) are only credits when clearly marked:
# in brackets or with a colon or slash, never followed by a plain space.
_SHORT_LABELS = {label for label in ROLE_LABELS if len(label) == 1}
_LABEL_ALT = "|".join(sorted(map(re.escape, ROLE_LABELS), key=len, reverse=True))
_LONG_LABEL_ALT = "|".join(
    sorted(
        (re.escape(x) for x in ROLE_LABELS if x not in _SHORT_LABELS),
        key=len,
        reverse=True,
    )
)
_CREDIT_LABEL_RE = re.compile(
    rf"(?:^|(?<=[\s/|；;，,】]))(?:"
    rf"[【\[](?P<bracketed>{_LABEL_ALT})[】\]]\s*"
    rf"|(?P<colon>{_LABEL_ALT})\s*[:：/]\s*"
    rf"|(?P<spaced>{_LONG_LABEL_ALT})\s+"
    r")"
)
_NAME_SPLIT_RE = re.compile(r"[\s、，,/／;；|]+")
_NAME_RE = re.compile(rf"^(?:[{CJK}·•]{{1,8}}|[A-Za-z][A-Za-z.\-]{{0,30}})$")
# Portal staff codes glued to editor names: "杨倩_NF4425" (163.com).
_STAFF_CODE_RE = re.compile(r"_[A-Z]{1,4}\d{2,6}$")
_STAFF_ONLY_RE = re.compile(r"^[A-Z]{1,4}\d{2,6}$")


def parse_credit_line(line: str) -> dict[str, list[str]] | None:
    """Parse a whole line of credits into role -> names, or None if it is not one.

    A line counts only when it consists of nothing but role labels and names,
    so a body sentence that mentions a 记者 is never taken for a credit. A
    label printed with no name (or only a staff code) is a credit line that
    credits nobody: ``{}``.

    >>> parse_credit_line("记者:黃瀅 袁安杰")
    {'reporter': ['黃瀅', '袁安杰']}
    >>> parse_credit_line("【撰写】黄津 张晓欣 【海报】李明")
    {'writer': ['黄津', '张晓欣'], 'designer': ['李明']}
    >>> parse_credit_line("编辑 叶镇祖")
    {'editor': ['叶镇祖']}
    >>> parse_credit_line("记者：黄滢、袁安杰 / 编辑：黄艺")
    {'reporter': ['黄滢', '袁安杰'], 'editor': ['黄艺']}
    >>> parse_credit_line("文/图：刘玺东 易赛楠")
    {'writer': ['刘玺东', '易赛楠'], 'photographer': ['刘玺东', '易赛楠']}
    >>> parse_credit_line("责任编辑：杨倩_NF4425")
    {'editor': ['杨倩']}
    >>> parse_credit_line("（责任编辑： HN666）"), parse_credit_line("责任编辑：")
    ({}, {})
    >>> parse_credit_line("记者在现场看到，群众热情高涨。") is None
    True
    >>> parse_credit_line("文 化活动") is None
    True
    """
    if line[:1] in "（(" and line[-1:] in "）)":
        line = line[1:-1].strip()  # "（责任编辑： HN666）"
    matches = list(_CREDIT_LABEL_RE.finditer(line))
    if not matches or matches[0].start() != 0 or len(line) > 120:
        return None
    credits: dict[str, list[str]] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
        label = (
            match.group("bracketed") or match.group("colon") or match.group("spaced")
        )
        names = [n for n in _NAME_SPLIT_RE.split(line[match.end() : end]) if n]
        names = [
            _STAFF_CODE_RE.sub("", n) for n in names if not _STAFF_ONLY_RE.match(n)
        ]
        if not all(_NAME_RE.match(n) for n in names):
            return None
        merge_credits(credits, dict.fromkeys(ROLE_LABELS[label], names))
    return credits


# A photo caption that ends with its photographer: "……现场。黄滢 摄", "(王五 摄)".
_CAPTION_NAMES = rf"(?:(?:记者|記者|通讯员|通訊員)\s*)?(?P<names>[{CJK}]{{2,4}}(?:[\s、][{CJK}]{{2,4}})*)"
_CAPTION_CREDIT_RE = re.compile(
    rf"[（(]\s*{_CAPTION_NAMES}\s*[/／]?\s*(?:摄|攝)\s*[)）]$"
    rf"|(?:^|(?<=[\s。.！!？?）)])){_CAPTION_NAMES.replace('names', 'names2')}\s*[/／]?\s*(?:摄|攝)$"
)


def split_caption_credit(line: str) -> tuple[str, list[str], str | None]:
    """Split a photographer credit off the end of a caption line.

    Returns the caption without the credit, the names, and the credit as printed.

    >>> split_caption_credit("连州菜心丰收，农户忙采摘。黄滢 摄")
    ('连州菜心丰收，农户忙采摘。', ['黄滢'], '黄滢 摄')
    >>> split_caption_credit("活动现场（记者 袁安杰 攝）")
    ('活动现场', ['袁安杰'], '（记者 袁安杰 攝）')
    >>> split_caption_credit("会议现场。")
    ('会议现场。', [], None)
    """
    match = _CAPTION_CREDIT_RE.search(line)
    if not match:
        return line, [], None
    names = match.group("names") or match.group("names2")
    return (
        line[: match.start()].rstrip(),
        _NAME_SPLIT_RE.split(names),
        match.group(0).strip(),
    )


def merge_credits(target: dict[str, list[str]], extra: dict[str, list[str]]) -> None:
    """Add ``extra``'s names to ``target`` in place, keeping order, no repeats."""
    for role, names in extra.items():
        if not names:
            continue
        bucket = target.setdefault(role, [])
        bucket.extend(n for n in names if n not in bucket)


# ---------------------------------------------------------------------------
# Script and damage
# ---------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _opencc(config: str):
    import opencc

    return opencc.OpenCC(config)


def detect_script(text: str) -> str:
    """``zh-Hant`` or ``zh-Hans`` by which conversion changes more characters.

    Characters that OpenCC's t2s changes are Traditional-only; those s2t
    changes are Simplified-only. ``zh`` when the text holds neither.

    >>> detect_script("連州市宣傳思想文化工作會議召開"), detect_script("连州市宣传思想文化工作会议召开")
    ('zh-Hant', 'zh-Hans')
    >>> detect_script("2023 ABC")
    'zh'
    """
    traditional = _count_changed(text, _opencc("t2s"))
    simplified = _count_changed(text, _opencc("s2t"))
    if traditional == simplified == 0:
        return "zh"
    return "zh-Hant" if traditional > simplified else "zh-Hans"


def _count_changed(text: str, converter) -> int:
    converted = converter.convert(text)
    if len(converted) != len(text):  # phrase conversions may change length
        return sum(1 for ch in text if converter.convert(ch) != ch)
    return sum(1 for a, b in zip(text, converted, strict=True) if a != b)


def to_traditional(text: str) -> str:
    """Convert Simplified text to Traditional with OpenCC (the mirror renderings).

    >>> to_traditional("连州市融媒体中心")
    '連州市融媒體中心'
    """
    return _opencc("s2t").convert(text)


def to_simplified(text: str) -> str:
    """Convert Traditional text to Simplified with OpenCC (opt-in use only).

    >>> to_simplified("連州市融媒體中心")
    '连州市融媒体中心'
    """
    return _opencc("t2s").convert(text)


# Damage a wrong decode leaves behind: U+FFFD, private-use code points, ASCII
# question marks wedged between CJK characters or around a 。 (GBK bytes read
# as something else, or re-encoded lossily), and the two shapes Chinese bytes
# take when read as Latin-1: UTF-8 lead and continuation bytes ("ä¸\xad"), and
# runs of high Latin-1 letters (GBK: "Á¬ÖÝÊÐ").
_MOJIBAKE_RE = re.compile(
    rf"[\ufffd\ue000-\uf8ff]|(?<=[{CJK}])\?(?=[{CJK}\w(（])|\?[。，、]\?|[{CJK}]\?[a-z{_TONED}]+\)"
    r"|[\u00c2-\u00ef][\u0080-\u00bf]|[\u00a1-\u00ff]{4,}"
)


def find_damage(text: str) -> str | None:
    """Return a short excerpt around the first sign of mojibake, or None.

    >>> find_damage("我市總成績?cè)谌?0個縣級文明城市中名列第三")
    '我市總成績?cè)谌?0個縣'
    >>> find_damage("字体大小") is None, find_damage("你好吗? 我很好") is None
    (True, True)
    >>> find_damage("乱码\\ufffd出现")
    '乱码\\ufffd出现'
    >>> find_damage("Á¬ÖÝÊÐÐû´«"), find_damage("è¿\\x9eå·\\x9e")
    ('Á¬ÖÝÊÐÐû´«', 'è¿\\x9eå·\\x9e')
    >>> find_damage("café au lait, Zürich") is None
    True
    """
    match = _MOJIBAKE_RE.search(text)
    if not match:
        return None
    return text[max(0, match.start() - 5) : match.end() + 5]
