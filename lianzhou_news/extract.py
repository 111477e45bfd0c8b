"""Pure extraction: ``Response -> item`` and ``Response -> listing``.

Nothing here knows the live site's class names, because nobody has seen them
(see README, "What we know about the site"). Instead every step anchors on
what all templates of the Guangdong portal family share:

* the page is read as a sequence of *blocks* (one per paragraph-like element,
  images separately), the way a reader sees it;
* the info line is the block carrying 来源 / 发布时间 labels, in either script,
  with a full-width or ASCII colon;
* the title is a government ``ArticleTitle`` meta tag, else the headline line
  just above the info line, else ``h1``, else the ``<title>``;
* the body is the container a spider names, else one known from sibling
  skins, else the element with the densest paragraph text; its blocks after
  the info line, minus chrome, end markers and credit lines, are the body.

Each layer used is recorded in the item's ``provenance``.

Run ``python -m lianzhou_news.extract PAGE.html --url URL`` to see the item
the spider would produce for a saved page.
"""

from __future__ import annotations

import argparse
import codecs
import itertools
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from lxml import etree
from scrapy.http import HtmlResponse, Response, TextResponse

from .items import FIELD_DEFAULTS, FIELD_ORDER, SCHEMA_VERSION, ArticleItem
from .loaders import ArticleLoader
from .processors import (
    CJK,
    Timestamp,
    clean_text,
    detect_script,
    find_damage,
    find_date,
    is_attribution_line,
    is_chrome,
    is_end_marker,
    is_info_line,
    is_metadata_line,
    is_stop_line,
    merge_credits,
    merge_timestamps,
    parse_credit_line,
    parse_info_time,
    parse_source,
    parse_timestamp,
    split_caption_credit,
    strip_source_label,
    strip_trailing_chrome,
)

#: The article URL scheme of the platform: ``/<channel>/<sub>/content/post_<id>.html``.
ARTICLE_URL_RE = re.compile(r"/content/post_(\d+)\.html$")

#: Body containers seen on sibling skins of the same platform (SITE.md).
SIBLING_BODY_CONTAINERS = (
    "#zoomcon",
    "#zoom",
    ".TRS_Editor",
    ".article-content",
    ".artContent",
    "div.zw",
    ".content",
)

# Elements whose text is never article text.
_SKIP_TAGS = frozenset(
    "script style noscript template rt rp iframe select option button svg head "
    "textarea object embed".split()
)
# Elements that start a new line for a reader.
_BLOCK_TAGS = frozenset(
    "p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr td th table tbody thead section "
    "article header footer nav aside main center blockquote figure figcaption pre "
    "hr form address body html".split()
)
# Paragraph wrappers whose text counts for the element around them.
_PARAGRAPH_TAGS = frozenset(
    "p span font strong b em i center blockquote pre h4 h5 h6".split()
)

_CJK_RE = re.compile(f"[{CJK}]")
_BREADCRUMB_RE = re.compile(
    r"^(?:您(?:当前|當前|现在|現在)?(?:所在的?|的)?位置|当前位置|當前位置|所在位置)\s*[:：]\s*(?P<trail>.+)$"
)
_CRUMB_SPLIT_RE = re.compile(r"\s*(?:>|＞|»|›|→|/)\s*")


@dataclass(frozen=True)
class SiteSelectors:
    """Optional CSS selectors a spider knows for its own skin (the first layer)."""

    title: str | None = None
    body: str | None = None


@dataclass
class Block:
    """One line as a reader sees it: a paragraph of text, or an image."""

    text: str
    owner: etree._Element
    image: dict | None = None


# ---------------------------------------------------------------------------
# Reading a page as blocks
# ---------------------------------------------------------------------------


def iter_blocks(root: etree._Element, base_url: str) -> list[Block]:
    """Flatten an element into text lines and images in reading order."""
    blocks: list[Block] = []
    buffer: list[str] = []

    def flush(owner: etree._Element) -> None:
        text = clean_text("".join(buffer))
        buffer.clear()
        if text:
            blocks.append(Block(text, owner))

    def walk(el: etree._Element, owner: etree._Element) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else None
        if tag is None or tag in _SKIP_TAGS:  # comments, processing instructions
            if el.tail:
                buffer.append(el.tail)
            return
        is_block = tag in _BLOCK_TAGS
        if is_block:
            flush(owner)
            owner = el
        if tag == "br":
            flush(owner)
        elif tag == "img":
            flush(owner)
            image = _image(el, base_url)
            if image:
                blocks.append(Block("", owner, image))
        if el.text:
            buffer.append(el.text)
        for child in el:
            walk(child, owner)
        if is_block:
            flush(owner)
        if el.tail:
            buffer.append(el.tail)

    walk(root, root)
    flush(root)
    return blocks


def _image(el: etree._Element, base_url: str) -> dict | None:
    src = (el.get("src") or el.get("data-src") or el.get("data-original") or "").strip()
    if not src or src.startswith(("data:", "javascript:")):
        return None
    if el.get("width") in ("0", "1") or el.get("height") in ("0", "1"):
        return None  # tracking pixels
    url, parts = _resolve(base_url, src)
    if parts is None or parts.scheme not in ("http", "https"):
        return None
    alt = clean_text(el.get("alt")) or None
    return {"url": url, "alt": alt}


def _resolve(base: str, href: str):
    """``(absolute URL, its parts)``, or ``(None, None)`` for an unparseable link
    (``http://[0`` makes urljoin raise)."""
    try:
        url = urljoin(base, href)
        return url, urlsplit(url)
    except ValueError:
        return None, None


def _cjk_len(text: str) -> int:
    return len(_CJK_RE.findall(text))


# ---------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------


def _meta(response: Response, *names: str) -> str | None:
    """The first non-empty ``<meta>`` content among ``names`` (name, property or itemprop)."""
    table = _meta_table(response)
    return next((table[n.lower()] for n in names if n.lower() in table), None)


@lru_cache(maxsize=4)  # keyed by the response object: one page's metas, read once
def _meta_table(response: Response) -> dict[str, str]:
    table: dict[str, str] = {}
    for tag in response.xpath("//meta[@content]"):
        content = clean_text(tag.xpath("@content").get())
        if not content:
            continue
        for attr in ("name", "property", "itemprop"):
            key = (tag.xpath(f"@{attr}").get() or "").strip().lower()
            if key:
                table.setdefault(key, content)
    return table


def _css_text(response: Response, css: str | None) -> str | None:
    if not css:
        return None
    text = clean_text(" ".join(response.css(css).xpath("string()").getall()[:1]))
    return text or None


def _find_info(blocks: list[Block]) -> tuple[int, int] | None:
    """Index range [start, end) of the info line cluster.

    Some skins print source, time and view count as separate blocks (one
    ``<li>`` each); the cluster takes the info-like or chrome lines that follow.
    """
    for index, block in enumerate(blocks):
        if block.text and is_info_line(block.text) and len(block.text) < 200:
            end = index + 1
            while end < len(blocks) and end - index < 5:
                following = blocks[end]
                if following.image is not None or not (
                    is_info_line(following.text) or is_chrome(following.text)
                ):
                    break
                end += 1
            return index, end
    return None


def _plausible_title(text: str | None) -> bool:
    # A headline is short and is not a sentence: it never ends with 。
    return (
        bool(text)
        and 4 <= len(text) <= 150
        and not text.endswith(("。", "."))
        and not is_chrome(text)
        and not is_info_line(text)
    )


def _title_before_info(blocks: list[Block], info_start: int) -> str | None:
    for block in reversed(blocks[max(0, info_start - 6) : info_start]):
        if block.image or not block.text or is_chrome(block.text):
            continue
        if _BREADCRUMB_RE.match(block.text):
            return None
        return block.text if _plausible_title(block.text) else None
    return None


_TITLE_SPLIT_RE = re.compile(r"\s*(?:_|\||｜|--|－| - | — | – )\s*")


def _title_tag(response: Response, site: str | None) -> tuple[str, str]:
    """The whole ``<title>`` and its main part (the longest, site name removed)."""
    raw = clean_text(response.xpath("//title/text()").get())
    parts = [p for p in _TITLE_SPLIT_RE.split(raw) if p and p != site]
    return raw, max(parts, key=len) if parts else ""


def _agrees_with_title_tag(candidate: str, raw: str, main: str) -> bool:
    """Does a headline candidate agree with the page's ``<title>``?

    Portals put sub-headings, author lines and dates where a headline could
    be; the ``<title>`` almost always repeats the real headline.
    """
    if not raw or candidate in raw or (main and main in candidate):
        return True
    return bool(main) and SequenceMatcher(None, candidate, main).ratio() >= 0.6


def _choose_title(
    response: Response,
    page_blocks: list[Block],
    info: tuple[int, int] | None,
    selectors: SiteSelectors,
    site: str | None,
) -> tuple[str | None, str | None]:
    for layer, value in (
        ("selector", _css_text(response, selectors.title)),
        ("meta", _meta(response, "ArticleTitle")),
    ):
        if _plausible_title(value):
            return value, layer
    raw, main = _title_tag(response, site)
    before_info = _title_before_info(page_blocks, info[0]) if info else None
    if _plausible_title(before_info) and _agrees_with_title_tag(before_info, raw, main):
        return before_info, "info_line"
    headings = [
        clean_text(text)
        for text in response.xpath("//h1|//h2|//h3").xpath("string()").getall()
    ]
    agreeing = [
        h
        for h in headings
        if _plausible_title(h) and _agrees_with_title_tag(h, raw, main)
    ]
    # A heading printed inside the <title> is the headline, or the site name
    # beside it: the longer one is the headline.
    inside = [h for h in agreeing if h in raw]
    if inside:
        return max(inside, key=len), "heading"
    if agreeing and main:
        return max(
            agreeing, key=lambda h: SequenceMatcher(None, h, main).ratio()
        ), "heading"
    og_title = _meta(response, "og:title")
    if _plausible_title(og_title):
        return og_title, "meta"
    # The line right above a 来源/发布时间 line is a headline by position; a
    # <title> that agrees with no heading is often just "栏目--网站名".
    if _plausible_title(before_info):
        return before_info, "info_line"
    if _plausible_title(main):
        return main, "title_tag"
    return next(((h, "heading") for h in headings if _plausible_title(h)), (None, None))


def _body_container(
    response: Response,
    root: etree._Element,
    selectors: SiteSelectors,
    blocks: list[Block],
):
    if selectors.body:
        found = response.css(selectors.body)
        if found:
            return found[0].root, "selector"
    best = None
    for css in SIBLING_BODY_CONTAINERS:
        for candidate in response.css(css):
            text = candidate.xpath("string()").get() or ""
            length = _cjk_len(text)
            if length >= 50 and (best is None or length > best[1]):
                best = (candidate.root, length)
        if best:
            return best[0], "container"
    return _densest_element(root, blocks), "density"


def _densest_element(root: etree._Element, blocks: list[Block]) -> etree._Element:
    """The element holding the most paragraph text, discounted by link text."""
    scores: dict[etree._Element, float] = defaultdict(float)
    for block in blocks:
        weight = _cjk_len(block.text)
        if weight < 10 or is_chrome(block.text) or is_info_line(block.text):
            continue
        holder = block.owner
        while holder.tag in _PARAGRAPH_TAGS and holder.getparent() is not None:
            holder = holder.getparent()
        scores[holder] += weight
        parent = holder.getparent()
        if parent is not None:
            scores[parent] += weight / 2
    if not scores:
        return root
    top = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:5]

    def discounted(item):
        element, score = item
        text_len = len("".join(element.itertext())) or 1
        link_len = sum(len("".join(a.itertext())) for a in element.iter("a"))
        return score * (1 - min(link_len / text_len, 1.0))

    return max(top, key=discounted)[0]


def _channel_from_breadcrumb(blocks: list[Block]) -> str | None:
    for block in blocks[:80]:
        match = _BREADCRUMB_RE.match(block.text) if block.text else None
        if match:
            crumbs = [c for c in _CRUMB_SPLIT_RE.split(match.group("trail")) if c]
            crumbs = [
                c for c in crumbs if c not in ("正文", "详情", "詳情", "内容", "內容")
            ]
            return crumbs[-1] if len(crumbs) > 1 else None
    return None


# ---------------------------------------------------------------------------
# The article
# ---------------------------------------------------------------------------


@dataclass
class _Body:
    lines: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    credits: dict[str, list[str]] = field(default_factory=dict)
    credits_raw: list[str] = field(default_factory=list)
    source: str | None = None  # from an attribution line inside the body


def _read_body(
    blocks: Iterable[Block],
    trailing: Iterable[Block],
    source: str | None,
    site: str | None,
) -> _Body:
    body = _Body()
    ended = False
    for block in blocks:
        if block.image is not None:
            if not ended:
                body.images.append(block.image)
            continue
        line = strip_trailing_chrome(block.text)
        if not line:
            continue
        if is_stop_line(line) and (body.lines or ended):
            return _finish_body(body, source, site)
        if is_end_marker(line):
            ended = True
            continue
        if is_chrome(line):
            continue
        if not body.lines and is_metadata_line(line):
            continue  # "发表于 2014-08-24 | 1164次阅读 | 来源CSDN" above the text
        if is_attribution_line(line):
            # "本文来源：新京报 责任编辑：X": metadata printed inside the text.
            body.source = body.source or parse_source(line)
            line = strip_source_label(line)
            if not line or is_info_line(line):
                continue
        credit = parse_credit_line(line)
        if credit is not None:
            merge_credits(body.credits, credit)
            body.credits_raw.append(line)
            continue
        if ended:
            continue  # the attribution line after "- THE END -"
        line, photographers, printed = split_caption_credit(line)
        if photographers:
            merge_credits(body.credits, {"photographer": photographers})
            body.credits_raw.append(printed)
        if line:
            body.lines.append(line)
    # Credit blocks printed just after the body container (some skins do this).
    for block in trailing:
        if block.image is not None or not block.text or is_chrome(block.text):
            continue
        credit = parse_credit_line(block.text)
        if credit is None:
            break
        merge_credits(body.credits, credit)
        body.credits_raw.append(block.text)
    return _finish_body(body, source, site)


def _finish_body(body: _Body, source: str | None, site: str | None) -> _Body:
    # An attribution line ("连州市融媒体中心") closing the text is a signature,
    # not content, when the credit block or THE END would have followed it.
    signatures = {s for s in (source, site) if s}
    while body.lines and (
        body.lines[-1] in signatures
        or (
            len(body.lines[-1]) <= 12
            and body.lines[-1].endswith(("融媒体中心", "融媒體中心"))
        )
    ):
        body.lines.pop()
    return body


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
    hanzi = _CJK_RE.findall(text)
    frequent = sum(1 for ch in hanzi if ch in _FREQUENT_HANZI)
    return len(hanzi) >= 20 and frequent >= 0.2 * len(hanzi)


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _choose_timestamp(
    response: Response,
    page_blocks: list[Block],
    info_text: str,
    title: str | None,
    now: datetime,
    reference: datetime | None,
) -> tuple[Timestamp | None, str | None]:
    """The publication time and the layer it came from.

    The info line and the PubDate-style meta tags are read both; where they
    agree the more precise wins. Failing both, a ``<time datetime>``, then a
    short line with a date just around the headline, then the first short
    line anywhere with a date and a time.
    """
    info_ts = parse_timestamp(
        parse_info_time(info_text) or find_date(info_text), now=now, reference=reference
    )
    meta_ts = parse_timestamp(
        _meta(response, *_PUBLISHED_META), now=now, reference=reference
    )
    timestamp = merge_timestamps(info_ts, meta_ts)
    if timestamp is not None:
        return timestamp, "info_line" if timestamp is info_ts else "meta"
    # A labelled time elsewhere ("发布日期：2019-03-06" under the text).
    for block in page_blocks:
        if (
            block.text
            and len(block.text) <= 100
            and (printed := parse_info_time(block.text))
        ):
            if timestamp := parse_timestamp(printed, now=now, reference=reference):
                return timestamp, "info_line"
    for value in response.xpath("//time/@datetime").getall()[:3]:
        if timestamp := parse_timestamp(value, now=now):
            return timestamp, "time_element"
    anchor = next(
        (i for i, b in enumerate(page_blocks) if title and b.text == title), None
    )
    if anchor is not None:
        for block in page_blocks[max(0, anchor - 3) : anchor + 8]:
            if block.text and len(block.text) <= 80 and block.text != title:
                if timestamp := parse_timestamp(find_date(block.text), now=now):
                    return timestamp, "near_title"
    # Last resort: the first short line with a date and a time of day ("於
    # 2013/12/28 10:28"); a bare date in a short line is too often a link list's.
    for block in page_blocks:
        if block.text and len(block.text) <= 40:
            printed = find_date(block.text)
            if (
                printed
                and ":" in printed
                and (timestamp := parse_timestamp(printed, now=now))
            ):
                return timestamp, "page_line"
    return None, None


_PUBLISHED_META = (
    "PubDate",
    "publishdate",
    "pubdate",
    "article:published_time",
    "datePublished",
    "og:release_date",
    "publish_time",
)


def extract_article(
    response: Response,
    *,
    now: datetime | None = None,
    site: str | None = None,
    listing_channel: str | None = None,
    listing_date: str | None = None,
    selectors: SiteSelectors = SiteSelectors(),
    loader_class: type[ArticleLoader] = ArticleLoader,
) -> ArticleItem:
    """Extract the article item from an article page.

    ``now`` is the fetch time (UTC or aware); it stamps ``crawled_at`` and
    bounds the dates a page may claim. ``listing_channel`` and ``listing_date``
    come from the listing the article was found on: the channel when the page
    names none, the date to give a year to a page that prints none.
    """
    now = now or datetime.now(UTC)
    response, decoding_note = fix_decoding(response)
    root = response.selector.root
    body_el = root.find(".//body")
    page_blocks = iter_blocks(body_el if body_el is not None else root, response.url)
    provenance: dict[str, str] = {}
    if decoding_note:
        provenance["encoding"] = decoding_note

    # Info line: source and the time as printed.
    info = _find_info(page_blocks)
    info_text = " ".join(b.text for b in page_blocks[info[0] : info[1]]) if info else ""
    source = parse_source(info_text) or _meta(response, "ContentSource", "source")

    title, title_layer = _choose_title(response, page_blocks, info, selectors, site)
    if title_layer:
        provenance["title"] = title_layer

    # Body: the container, from just after the info line when it holds it.
    container, body_layer = _body_container(response, root, selectors, page_blocks)
    members = set(container.iter())
    indexes = [i for i, b in enumerate(page_blocks) if b.owner in members]
    start = indexes[0] if indexes else len(page_blocks)
    stop = indexes[-1] + 1 if indexes else len(page_blocks)

    reference = parse_timestamp(listing_date, now=now)
    timestamp, time_layer = _choose_timestamp(
        response,
        _until_stop_line(page_blocks, stop),  # comments below have dates too
        info_text,
        title,
        now,
        reference.value if reference else None,
    )
    if time_layer:
        provenance["timestamp"] = time_layer
    if (
        info
        and start <= info[0] < stop
        and _text_len(page_blocks[start : info[0]]) < 300
    ):
        start = info[1]  # the container opens with headline and info line
    elif title and (at := _index_of(page_blocks, title, start, stop)) is not None:
        start = at + 1  # the container holds the headline: the body starts below it
    body = _read_body(
        page_blocks[start:stop], page_blocks[stop : stop + 15], source, site
    )
    if body.lines:
        provenance["body"] = body_layer
    source = source or body.source

    channel = (
        _meta(response, "ColumnName")
        or _channel_from_breadcrumb(page_blocks)
        or listing_channel
    )

    loader = loader_class()
    match = ARTICLE_URL_RE.search(urlsplit(response.url).path)
    loader.add_value("schema_version", SCHEMA_VERSION)
    loader.add_value("article_id", match.group(1) if match else None)
    loader.add_value("url", response.url)
    loader.add_value("site", site)
    loader.add_value("channel", channel)
    loader.add_value("title", title)
    loader.add_value("source", source)
    if timestamp is not None:
        loader.add_value("timestamp", timestamp.isoformat())
        loader.add_value("timestamp_precision", timestamp.precision)
        loader.add_value("timestamp_raw", timestamp.raw)
    loader.add_value("body", body.lines)
    loader.add_value("images", body.images)
    loader.add_value("credits", body.credits)
    loader.add_value("credits_raw", body.credits_raw)
    loader.add_value("provenance", provenance)
    loader.add_value("crawled_at", now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    item = loader.load_item()

    for name, default in FIELD_DEFAULTS.items():
        item.setdefault(
            name, default.copy() if isinstance(default, (list, dict)) else default
        )
    for name in ("site", "title", "body"):
        item.setdefault(name, None)
    item["lang"] = detect_script(f"{item.get('title') or ''}{item.get('body') or ''}")
    item["quality"] = _quality_flags(item, response)
    _drop_replacement_characters(item)
    return item


def _until_stop_line(blocks: list[Block], body_end: int) -> list[Block]:
    """The page down to the article's end, then on to the first footer, pager or
    comment line: far enough for a date printed under the text, not into comments."""
    end = body_end
    while end < len(blocks) and not (
        blocks[end].text and is_stop_line(blocks[end].text)
    ):
        end += 1
    return blocks[:end]


def _text_len(blocks: list[Block]) -> int:
    return sum(len(block.text) for block in blocks)


def _index_of(blocks: list[Block], text: str, start: int, stop: int) -> int | None:
    return next(
        (i for i in range(start, min(stop, start + 10)) if blocks[i].text == text), None
    )


def _drop_replacement_characters(item: ArticleItem) -> None:
    # U+FFFD carries no information; once flagged in ``quality`` it is removed
    # so that no reader meets it (the flag says the text there is damaged).
    for name in ("title", "source", "channel", "body"):
        if item.get(name) and "\ufffd" in item[name]:
            item[name] = clean_text(item[name].replace("\ufffd", "")) or None


def _quality_flags(item: ArticleItem, response: Response | None = None) -> list[str]:
    flags = []
    if response is not None and b"</html" not in response.body[-4096:].lower():
        flags.append("page:truncated")  # the page ended early: text may be missing
    names = [n for ns in (item.get("credits") or {}).values() for n in ns]
    for name, value in (
        ("title", item.get("title")),
        ("source", item.get("source")),
        ("body", item.get("body")),
        ("credits", " ".join(names)),
    ):
        if value and find_damage(value):
            flags.append(f"{name}:mojibake")
    return flags


# ---------------------------------------------------------------------------
# Listings
# ---------------------------------------------------------------------------

_TOTAL_PAGE_RE = re.compile(
    r"totalPage\s*=\s*(?:Math\.ceil\(\s*(?P<items>\d+)\s*/\s*(?P<per>\d+)\s*\)|(?P<total>\d+))"
)
_PAGE_FILE_RE = re.compile(r"(?:^|/)index(?:_(\d+))?\.html?$")
_DATE_IN_TEXT_RE = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?"
)


@dataclass(frozen=True)
class ListingEntry:
    url: str
    article_id: str
    title: str | None
    date: str | None  # as printed next to the link


@dataclass
class Listing:
    entries: list[ListingEntry]
    total_pages: int | None  # declared by the page's totalPage JS
    declared_items: int | None  # the N of totalPage = Math.ceil(N/M): the column's size
    page_numbers: set[int]  # pager links to pages of the same column
    channel: str | None


def listing_page_url(url: str, page: int) -> str:
    """The URL of page ``page`` of the column that ``url`` is a page of.

    >>> listing_page_url("http://h/zglzsw/sj/", 2)
    'http://h/zglzsw/sj/index_2.html'
    >>> listing_page_url("http://h/zglzsw/sj/index_3.html", 1)
    'http://h/zglzsw/sj/index.html'
    """
    base = url.split("?", 1)[0]
    base = base[: base.rfind("/") + 1]
    return urljoin(base, "index.html" if page == 1 else f"index_{page}.html")


def extract_listing(response: Response) -> Listing:
    """Article links, their dates, and the pagination of a listing page.

    Only same-site (same host and port) ``content/post_<id>.html`` links are
    kept; WeChat reposts and other hosts are dropped here, before any request.
    """
    here = urlsplit(response.url)
    column_dir = here.path[: here.path.rfind("/") + 1]
    entries: dict[str, ListingEntry] = {}
    page_numbers: set[int] = set()
    # lxml's own API, not an XPath per anchor: a listing has dozens of links,
    # and parsel's per-call cost made this most of a listing page's time.
    for anchor in response.selector.root.iter("a"):
        href = anchor.get("href")
        if href is None:
            continue
        url, parts = _resolve(response.url, href.strip())
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or parts.netloc != here.netloc
        ):
            continue
        page_match = _PAGE_FILE_RE.search(parts.path)
        if (
            page_match
            and parts.path.startswith(column_dir)
            and "/" not in parts.path[len(column_dir) :]
        ):
            page_numbers.add(int(page_match.group(1) or 1))
            continue
        match = ARTICLE_URL_RE.search(parts.path)
        if not match or match.group(1) in entries:
            continue
        title = clean_text(anchor.get("title")) or clean_text(
            "".join(anchor.itertext())
        )
        entries[match.group(1)] = ListingEntry(
            url=url.split("#", 1)[0],
            article_id=match.group(1),
            title=title or None,
            date=_date_near(anchor),
        )
    total_pages, declared_items = _total_pages(response.text)
    return Listing(
        entries=list(entries.values()),
        total_pages=total_pages,
        declared_items=declared_items,
        page_numbers=page_numbers,
        channel=_meta(response, "ColumnName") or _listing_channel(response),
    )


def _date_near(anchor: etree._Element) -> str | None:
    # The date printed in the same list item: the anchor, its item, then its parent.
    for element in (anchor, *itertools.islice(anchor.iterancestors(), 2)):
        match = _DATE_IN_TEXT_RE.search(" ".join(element.itertext()))
        if match:
            return match.group(0)
    return None


def _total_pages(text: str) -> tuple[int | None, int | None]:
    """Pages and items a listing declares in its pager JS.

    A ``pages_limit`` beside it is deliberately ignored: nothing says it caps
    the pages rather than the pager's display, and reading it as a cap once hid
    most of a column. If the pages do end sooner, a 404 or a page without
    article links ends the walk for the price of one request.
    """
    match = _TOTAL_PAGE_RE.search(text)
    if not match:
        return None, None
    if match.group("total"):
        return max(int(match.group("total")), 1), None
    items = int(match.group("items"))
    return max(-(-items // (int(match.group("per")) or 1)), 1), items


def _listing_channel(response: Response) -> str | None:
    root = response.selector.root
    body = root.find(".//body")
    channel = _channel_from_breadcrumb(
        iter_blocks(body if body is not None else root, response.url)
    )
    if channel:
        return channel
    title = clean_text(response.xpath("//title/text()").get())
    parts = [p for p in re.split(r"\s*(?:_|\||｜|--| - | — )\s*", title) if p]
    return parts[0] if parts else None


# ---------------------------------------------------------------------------
# Command line: what would the spider make of this saved page?
# ---------------------------------------------------------------------------


def response_from_file(
    path: Path, url: str, headers: dict[str, str] | None = None
) -> HtmlResponse:
    """Build the response Scrapy would have built for these bytes and headers.

    The body is passed as bytes: Scrapy picks the encoding from the
    Content-Type header, then a BOM, then ``<meta charset>``, then detection,
    exactly as it does during a crawl.
    """
    return HtmlResponse(url=url, body=path.read_bytes(), headers=headers or {})


def item_to_json(item: ArticleItem) -> str:
    """One item as the feed writes it: fields in schema order, UTF-8, no escapes."""
    ordered = {name: item.get(name) for name in FIELD_ORDER}
    return json.dumps(ordered, ensure_ascii=False, indent=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lianzhou_news.extract",
        description="Print the article item the spider would produce for a saved page.",
    )
    parser.add_argument("page", type=Path, help="the saved page (raw bytes)")
    parser.add_argument("--url", help="the URL the page was fetched from")
    parser.add_argument(
        "--meta",
        type=Path,
        help="a golden-case .meta.json with url and headers (instead of --url/--header)",
    )
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="a response header, e.g. 'Content-Type: text/html; charset=gbk'",
    )
    parser.add_argument(
        "--site",
        default="连州市融媒体中心",
        help="the item's site (default: %(default)s)",
    )
    parser.add_argument(
        "--channel", help="the listing's channel, if the page names none"
    )
    args = parser.parse_args(argv)

    headers: dict[str, str] = {}
    url = args.url
    if args.meta:
        meta = json.loads(args.meta.read_text(encoding="utf-8"))
        url = url or meta.get("url")
        headers.update(meta.get("headers") or {})
    for header in args.header:
        name, sep, value = header.partition(":")
        if not sep:
            parser.error(f"--header needs 'Name: value', got {header!r}")
        headers[name.strip()] = value.strip()
    if not url:
        parser.error(
            "--url (or --meta with a url) is required: links and images are resolved against it"
        )
    if not args.page.is_file():
        parser.error(f"no such file: {args.page}")

    response = response_from_file(args.page, url, headers)
    item = extract_article(response, site=args.site, listing_channel=args.channel)
    print(item_to_json(item))
    from .pipelines import schema_errors

    errors = schema_errors(item)
    for error in errors:
        print(f"invalid item: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
