"""How a page's bytes become text: Scrapy's response for saved bytes, and the repair of its two decoding mistakes."""

from __future__ import annotations

import codecs
from pathlib import Path

from scrapy.http import HtmlResponse, Response, TextResponse

from .blocks import CJK_RE


def response_from_file(
    path: Path, url: str, headers: dict[str, str] | None = None
) -> HtmlResponse:
    """Build the response Scrapy would have built for these bytes and headers.

    The body is passed as bytes: Scrapy picks the encoding from the
    Content-Type header, then a BOM, then ``<meta charset>``, then detection,
    exactly as it does during a crawl.
    """
    return HtmlResponse(url=url, body=path.read_bytes(), headers=headers or {})


def fix_decoding(response: Response) -> tuple[Response, str | None]:
    """Undo the two decoding mistakes Chinese sites cause, before anything is read.

    Scrapy trusts the Content-Type header, then ``<meta charset>``. Pages that
    declare gb2312 but are UTF-8 (common after CMS migrations), and pages whose
    header says UTF-8 over GBK bytes, then decode to mojibake. Valid UTF-8 is
    practically never produced by GBK Chinese text, so: bytes that are valid
    UTF-8 are read as UTF-8; bytes declared UTF-8 that are not valid UTF-8 but
    valid GB18030 (the superset of GBK and GB2312) are read as GB18030.
    Returns the response to use and a note when it was re-decoded.
    """
    if not isinstance(response, TextResponse) or response.body.isascii():
        return response, None
    chosen = codecs.lookup(response.encoding).name
    if chosen != "utf-8" and _decodes(response.body, "utf-8"):
        return response.replace(encoding="utf-8"), f"utf-8 (declared {chosen})"
    if chosen == "utf-8" and not _decodes(response.body, "utf-8"):
        if _decodes(response.body, "gb18030"):
            return response.replace(encoding="gb18030"), "gb18030 (declared utf-8)"
    if chosen in _SINGLE_BYTE and _reads_as_chinese(response.body):
        # A Chinese page under a Western header ("charset=iso-8859-1").
        return response.replace(encoding="gb18030"), f"gb18030 (declared {chosen})"
    return response, None


# Western single-byte codecs, as codecs.lookup names them.
_SINGLE_BYTE = {
    "cp1252",
    "latin-1",
    "iso8859-1",
    "iso8859-15",
    "ascii",
    "cp1250",
    "cp1251",
}


# The most frequent characters of written Chinese. Real text is dense in them
# (typically 40% or more of its characters); the characters that Western
# bytes happen to form when read as GB18030 hit them only by chance (~7%).
_FREQUENT_HANZI = frozenset(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
    "也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物"
    "现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全"
    "表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无"
    "系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基"
    "资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取"
    "据处府研信市县镇乡村区省局委会议召开工作"
)


def _reads_as_chinese(data: bytes) -> bool:
    """Do these bytes, read as GB18030, make Chinese text (not chance characters)?"""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return False
    hanzi = CJK_RE.findall(text)
    frequent = sum(1 for ch in hanzi if ch in _FREQUENT_HANZI)
    return len(hanzi) >= 20 and frequent >= 0.2 * len(hanzi)


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
