"""Simplified or Traditional script, conversion between them, and the damage a wrong decode leaves."""

from __future__ import annotations

import re
from functools import lru_cache

from .cleaning import CJK, TONED_VOWELS


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
    rf"[\ufffd\ue000-\uf8ff]|(?<=[{CJK}])\?(?=[{CJK}\w(（])|\?[。，、]\?|[{CJK}]\?[a-z{TONED_VOWELS}]+\)"
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
