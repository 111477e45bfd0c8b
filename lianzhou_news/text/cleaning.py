"""Normalise one line of page text without changing its script or punctuation."""

from __future__ import annotations

import re
import unicodedata

#: The CJK ideograph ranges, for character classes: ``f"[{CJK}]"``.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
#: Pinyin vowels with a tone mark.
TONED_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"

# Mirrors annotate characters with pinyin in brackets right after them:
# 會(huì)議 -> 會議. A syllable must carry a tone mark, so that ordinary
# bracketed Latin text such as 中心(CBD) or (Tel) is never touched.
_PINYIN_RE = re.compile(
    rf"(?<=[{CJK}])[(（]\s*[a-zü{TONED_VOWELS}]*[{TONED_VOWELS}][a-zü{TONED_VOWELS}]*\s*[)）]"
)

# Spaces that CMS editors use for indentation or that HTML entities leave:
# NBSP, ideographic space, the en/em/thin spaces, zero-width characters, BOM.
_SPACE_RE = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Control characters (C0 and C1, but not those Python counts as whitespace,
# which become a space) and the bidi controls (LRM, RLM, ALM, the embeddings,
# overrides and isolates): they show nothing, and U+202E turns what follows
# round on screen, so a headline could read other than it is stored.
_INVISIBLE_RE = re.compile(
    r"[\u200b-\u200d\u2060\ufeff\u00ad"
    r"\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f"
    r"\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]"
)


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
    included) becomes one ASCII space, invisible characters (zero-width,
    control and bidi-control characters) are removed and the ends are stripped. Full-width punctuation is kept: it is what was published.

    >>> clean_text("\\u3000\\u3000 3月20日,連州市用一整天的時(shí)間 ")
    '3月20日,連州市用一整天的時間'
    >>> clean_text("连州市\\u00a0\\u00a0宣传\\u200b部")
    '连州市 宣传部'
    >>> clean_text("连州\u202e市\x07召开")
    '连州市召开'
    >>> clean_text(None)
    ''
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE_RE.sub("", text)
    text = strip_pinyin(text)
    return _SPACE_RE.sub(" ", text).strip()


# A site or portal name after a headline: "标题_连山壮族瑶族自治县人民政府".
_SITE_SUFFIX_RE = re.compile(
    r"\s*(?:_|\||｜|--|－| - | — | – )\s*[^_|｜]{2,30}?"
    r"(?:人民政府|人民政府网|政府网|门户网站|門戶網站|融媒体中心|融媒體中心)$"
)


def strip_site_suffix(title: str) -> str:
    """Cut a site name that a skin prints after the headline.

    >>> strip_site_suffix("西岸镇全力做好防汛备汛工作_连山壮族瑶族自治县人民政府")
    '西岸镇全力做好防汛备汛工作'
    >>> strip_site_suffix("连州市融媒体中心")
    '连州市融媒体中心'
    >>> strip_site_suffix("县委召开会议 - 部署防汛工作")
    '县委召开会议 - 部署防汛工作'
    """
    return _SITE_SUFFIX_RE.sub("", title)
