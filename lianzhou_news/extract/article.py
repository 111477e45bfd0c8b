"""The article item of an article page, layer by layer: info line, title, body container, body, timestamp.

Nothing here knows the live site's class names, because nobody has seen them
(see docs/site.md). Instead every step anchors on
what all templates of the Guangdong portal family share:

* the page is read as a sequence of *blocks* (``blocks.py``), the way a
  reader sees it;
* the info line is the block carrying 来源 / 发布时间 labels, in either script,
  with a full-width or ASCII colon;
* the title is a government ``ArticleTitle`` meta tag, else the headline line
  just above the info line, else ``h1``, else the ``<title>``;
* the body is the container a spider names, else one known from sibling
  skins, else the element with the densest paragraph text; its blocks after
  the info line, minus chrome, end markers and credit lines, are the body.

Title, source and channel go to the spider's loader as candidates in order of
preference (``loaders.py``); the loader keeps the first its processors let
through. Each layer used is recorded in the item's ``provenance``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from difflib import SequenceMatcher
from urllib.parse import urlsplit

from lxml import etree
from scrapy.http import Response
from w3lib.url import safe_url_string

from ..items import FIELD_DEFAULTS, SCHEMA_VERSION, ArticleItem
from ..loaders import ArticleLoader
from ..schemes import GUANGDONG_PLATFORM, UrlScheme
from ..text.cleaning import clean_text
from ..text.credits import (
    bound_credit_line,
    head_credits,
    merge_credits,
    read_credit_line,
    split_caption_credit,
)
from ..text.dates import (
    CST,
    Timestamp,
    find_date,
    merge_timestamps,
    parse_timestamp,
)
from ..text.lines import (
    is_attribution_line,
    is_chrome,
    is_end_marker,
    is_footer_line,
    is_info_line,
    is_metadata_line,
    is_stop_line,
    parse_info_time,
    parse_script_source,
    parse_source,
    prints_empty_source,
    strip_source_label,
    strip_trailing_chrome,
)
from ..text.script import detect_script, find_damage
from .blocks import (
    BREADCRUMB_RE,
    PARAGRAPH_TAGS,
    Block,
    MetaTags,
    channel_from_breadcrumb,
    cjk_len,
    iter_blocks,
)
from .decoding import fix_decoding

#: Body containers seen on sibling skins of the same platform (docs/site.md).
SIBLING_BODY_CONTAINERS = (
    "#zoomcon",
    "#zoom",
    ".TRS_Editor",
    ".article-content",
    ".artContent",
    "div.zw",
    ".content",
)


@dataclass(frozen=True)
class SiteSelectors:
    """Optional CSS selectors a spider knows for its own skin (the first layer)."""

    title: str | None = None
    body: str | None = None


#: A candidate value of a field and the layer it was found by.
Candidate = tuple[str, str]


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
        if BREADCRUMB_RE.match(block.text):
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


def _title_candidates(
    response: Response,
    metas: MetaTags,
    page_blocks: list[Block],
    info: tuple[int, int] | None,
    selectors: SiteSelectors,
    site: str | None,
) -> Iterator[Candidate]:
    """Headline candidates, best first; each is plausible as a headline.

    The first is the title; the others are what a loader gets instead when its
    ``title_in`` rejects the first. A generator: nothing past the candidate the
    loader keeps is computed.
    """
    for layer, value in (
        ("selector", _css_text(response, selectors.title)),
        ("meta", metas.first("ArticleTitle")),
    ):
        if _plausible_title(value):
            yield value, layer
    raw, main = _title_tag(response, site)
    before_info = _title_before_info(page_blocks, info[0]) if info else None
    if _plausible_title(before_info) and _agrees_with_title_tag(before_info, raw, main):
        yield before_info, "info_line"
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
    # beside it: the longer one is the headline. (sorted() is stable, so the
    # first of equals comes first, as max() would pick it.)
    inside = [h for h in agreeing if h in raw]
    for heading in sorted(inside, key=len, reverse=True):
        yield heading, "heading"
    if agreeing and main:
        for heading in sorted(
            agreeing,
            key=lambda h: SequenceMatcher(None, h, main).ratio(),
            reverse=True,
        ):
            yield heading, "heading"
    og_title = metas.first("og:title")
    if _plausible_title(og_title):
        yield og_title, "meta"
    # The line right above a 来源/发布时间 line is a headline by position; a
    # <title> that agrees with no heading is often just "栏目--网站名".
    if _plausible_title(before_info):
        yield before_info, "info_line"
    if _plausible_title(main):
        yield main, "title_tag"
    for heading in headings:
        if _plausible_title(heading):
            yield heading, "heading"


def _load_first(
    loader: ArticleLoader, name: str, candidates: Iterable[Candidate]
) -> tuple[str | None, str | None]:
    """Offer a field's candidates to the loader in order until one survives the
    field's input processors (which drop a value by returning None); the
    output processor (``TakeFirst``) then keeps it. Returns that candidate as
    found on the page, and its layer."""
    for value, layer in candidates:
        loader.add_value(name, value)
        if loader.get_collected_values(name):
            return value, layer
    return None, None


def _body_container(
    response: Response,
    root: etree._Element,
    selectors: SiteSelectors,
    blocks: list[Block],
    title: str | None = None,
):
    if selectors.body:
        found = response.css(selectors.body)
        if found:
            return found[0].root, "selector"
    best = None
    for css in SIBLING_BODY_CONTAINERS:
        for candidate in response.css(css):
            text = candidate.xpath("string()").get() or ""
            length = cjk_len(text)
            if length >= 50 and (best is None or length > best[1]):
                best = (candidate.root, length)
        if best:
            return _tighten(best[0], blocks, title), "container"
    return _tighten(_densest_element(root, blocks), blocks, title), "density"


def _text_weight(block: Block) -> int:
    if (
        block.image is not None
        or is_chrome(block.text)
        or is_info_line(block.text)
        or is_stop_line(block.text)
    ):
        return 0
    weight = cjk_len(block.text)
    return weight if weight >= 10 else 0


def _tighten(
    container: etree._Element, blocks: list[Block], title: str | None = None
) -> etree._Element:
    """The innermost element under ``container`` that holds nearly all of its
    paragraph text.

    Skins wrap headline, info line, font-size and share toolbars, the text and
    an attachment box in one element; the text itself sits in one child of it
    (whatever its name). Descend while one child holds 90% of the text; the
    headline (or a line of it) is not text: nfra prints it on two lines beside
    a table of short cells.
    """
    weights: dict[etree._Element, int] = defaultdict(int)
    for block in blocks:
        weight = 0 if title and block.text in title else _text_weight(block)
        if not weight:
            continue
        node = block.owner
        while node is not None:
            weights[node] += weight
            if node is container:
                break
            node = node.getparent()
        else:
            continue
    node = container
    while weights.get(node):
        child = max(
            (c for c in node if isinstance(c.tag, str)),
            key=lambda c: weights.get(c, 0),
            default=None,
        )
        if child is None or weights.get(child, 0) < 0.9 * weights[node]:
            break
        node = child
    # A paragraph is not a container: stop at the element around it.
    while node is not container and node.tag in PARAGRAPH_TAGS:
        node = node.getparent()
    return node


def _densest_element(root: etree._Element, blocks: list[Block]) -> etree._Element:
    """The element holding the most paragraph text, discounted by link text.

    An element holding a footer line (address, sponsor, ICP number) is the
    footer, however many lines it has: a one-paragraph notice above a footer
    of five (nf-detail, tests/fixtures/gov) is the text.
    """
    scores: dict[etree._Element, float] = defaultdict(float)
    footers: set[etree._Element] = set()
    for block in blocks:
        holder = block.owner
        while holder.tag in PARAGRAPH_TAGS and holder.getparent() is not None:
            holder = holder.getparent()
        if block.text and is_footer_line(block.text):
            footers.add(holder)
        weight = cjk_len(block.text)
        if weight < 10 or is_chrome(block.text) or is_info_line(block.text):
            continue
        scores[holder] += weight
        parent = holder.getparent()
        if parent is not None:
            scores[parent] += weight / 2
    for footer in footers:
        scores.pop(footer, None)
    if not scores:
        return root
    top = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:5]

    def discounted(item):
        element, score = item
        text_len = len("".join(element.itertext())) or 1
        link_len = sum(len("".join(a.itertext())) for a in element.iter("a"))
        return score * (1 - min(link_len / text_len, 1.0))

    return max(top, key=discounted)[0]


# ---------------------------------------------------------------------------
# The article
# ---------------------------------------------------------------------------


@dataclass
class _Body:
    lines: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    credits: dict[str, list[str]] = field(default_factory=dict)
    credits_raw: list[str] = field(default_factory=list)
    credits_cut: bool = False  # a credit line too long to keep whole
    source: str | None = None  # from an attribution line inside the body

    def add_credit_line(self, line: str, credit: dict[str, list[str]]) -> None:
        merge_credits(self.credits, credit)
        raw, cut = bound_credit_line(line)
        self.credits_raw.append(raw)
        self.credits_cut = self.credits_cut or cut


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
        credit = read_credit_line(line)
        if credit is not None:
            body.add_credit_line(line, credit)
            continue
        if _is_attachment_link(block, line):
            continue  # "《…措施》" linking a PDF: an attachment, not text
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
        credit = read_credit_line(block.text)
        if credit is None:
            break
        body.add_credit_line(block.text, credit)
    return _finish_body(body, source, site)


_FILE_LINK_RE = re.compile(
    r"\.(?:pdf|docx?|xlsx?|wps|et|ofd|zip|rar|7z|txt|pptx?|csv)(?:$|[?#])",
    re.IGNORECASE,
)
# "附件：清单.xls", "附件2：…", "十、附件", "相关附件": what closes a notice.
_ATTACHMENT_LINE_RE = re.compile(
    r"^(?:[一二三四五六七八九十\d]+[、.．]\s*)?(?:相关|相關)?附件\s*\d*\s*[:：]?\s*"
    r"(?:.{0,80}\.(?:pdf|docx?|xlsx?|wps|zip|rar)|[^。；;]{0,60})$",
    re.IGNORECASE,
)


def _is_attachment_link(block: Block, line: str) -> bool:
    """A line that is all the text of a link to a document file."""
    for link in block.owner.iter("a"):
        href = link.get("href") or ""
        if _FILE_LINK_RE.search(href) and clean_text("".join(link.itertext())) in (
            line,
            line.strip("《》"),
        ):
            return True
    return False


def _finish_body(body: _Body, source: str | None, site: str | None) -> _Body:
    # An attachment list closing the text ("附件：清单.xls", "十、附件" and the
    # file names under it) is not text; "附件" heading an annex printed in full
    # is, so only a tail of short lines after such a heading goes.
    for index in range(len(body.lines) - 1, max(-1, len(body.lines) - 6), -1):
        if _ATTACHMENT_LINE_RE.match(body.lines[index]) and all(
            len(line) <= 80 and not line.endswith("。")
            for line in body.lines[index + 1 :]
        ):
            del body.lines[index:]
            break
    if body.lines and (credit := head_credits(body.lines[0])):
        merge_credits(body.credits, credit)
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


def _choose_timestamp(
    response: Response,
    metas: MetaTags,
    page_blocks: list[Block],
    info_text: str,
    title: str | None,
    now: datetime,
    reference: datetime | None,
) -> tuple[Timestamp | None, str | None]:
    """The publication time and the layer it came from.

    The info line and the PubDate-style meta tags are read both; where they
    agree the more precise wins, except that a printed day stays a day. Failing both, a ``<time datetime>``, then a
    short line with a date just around the headline, then the first short
    line anywhere with a date and a time.
    """
    info_ts = parse_timestamp(
        parse_info_time(info_text) or find_date(info_text), now=now, reference=reference
    )
    meta_ts = parse_timestamp(
        metas.first(*_PUBLISHED_META), now=now, reference=reference
    )
    # A day the page prints is all it claims: a time only a meta tag carries
    # (nfra's PubDate 11:18 under "发布时间：2025-06-03") is the CMS's, not
    # the page's, so it refines only a printed time, never a printed day.
    if info_ts is not None and info_ts.precision == "day":
        timestamp = info_ts
    else:
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
        if timestamp := parse_timestamp(value, now=now, reference=reference):
            return timestamp, "time_element"
    anchor = next(
        (i for i, b in enumerate(page_blocks) if title and b.text == title), None
    )
    if anchor is not None:
        for block in page_blocks[max(0, anchor - 3) : anchor + 8]:
            if block.text and len(block.text) <= 80 and block.text != title:
                printed = find_date(block.text)
                if timestamp := parse_timestamp(printed, now=now, reference=reference):
                    return timestamp, "near_title"
    # Last resort: the first short line with a date and a time of day ("於
    # 2013/12/28 10:28"); a bare date in a short line is too often a link list's.
    for block in page_blocks:
        if block.text and len(block.text) <= 40:
            printed = find_date(block.text)
            if (
                printed
                and ":" in printed
                and (
                    timestamp := parse_timestamp(printed, now=now, reference=reference)
                )
            ):
                return timestamp, "page_line"
    return None, None


def _cms_default_source(value: str, metas: MetaTags, blocks: list[Block]) -> bool:
    """A meta source that is only the CMS filling in the site's own name.

    TRS fills ``ContentSource`` with ``SiteName`` when the editor leaves the
    source blank (ccgp-hebei, tests/fixtures/gov): when the page prints that
    name nowhere in its text, it is no source the reader was given.
    """
    if value != metas.first("SiteName"):
        return False
    return not any(block.text and value in block.text for block in blocks)


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
    scheme: UrlScheme = GUANGDONG_PLATFORM,
) -> ArticleItem:
    """Extract the article item from an article page.

    ``now`` is the fetch time (UTC or aware); it stamps ``crawled_at`` and
    bounds the dates a page may claim. ``listing_channel`` and ``listing_date``
    come from the listing the article was found on: the channel when the page
    names none, the date to give a year to a page that prints none.
    ``selectors``, ``loader_class`` and ``scheme`` (which gives the article id)
    are the spider's.
    """
    now = now or datetime.now(UTC)
    response, decoding_note = fix_decoding(response)
    metas = MetaTags(response)
    root = response.selector.root
    body_el = root.find(".//body")
    page_blocks = iter_blocks(body_el if body_el is not None else root, response.url)
    provenance: dict[str, str] = {}
    if decoding_note:
        provenance["encoding"] = decoding_note

    loader = loader_class()
    loader.add_value("schema_version", SCHEMA_VERSION)
    loader.add_value("article_id", scheme.item_id(response.url))
    loader.add_value("url", response.url)
    loader.add_value("site", site)
    _load_first(
        loader, "channel", _channel_candidates(metas, page_blocks, listing_channel)
    )

    # Info line: source and the time as printed.
    info = _find_info(page_blocks)
    info_text = " ".join(b.text for b in page_blocks[info[0] : info[1]]) if info else ""
    info_source = parse_source(info_text) or _script_source(response, info_text)
    source = info_source or metas.first("ContentSource", "source")

    title, title_layer = _load_first(
        loader,
        "title",
        _title_candidates(response, metas, page_blocks, info, selectors, site),
    )
    if title_layer:
        provenance["title"] = title_layer

    # Body: the container, from just after the info line when it holds it.
    container, body_layer = _body_container(
        response, root, selectors, page_blocks, title
    )
    members = set(container.iter())
    indexes = [i for i, b in enumerate(page_blocks) if b.owner in members]
    start = indexes[0] if indexes else len(page_blocks)
    stop = indexes[-1] + 1 if indexes else len(page_blocks)

    dated_blocks = _until_stop_line(page_blocks, stop)  # comments have dates too
    reference = _year_reference(response.url, listing_date, metas, dated_blocks, now)
    timestamp, time_layer = _choose_timestamp(
        response, metas, dated_blocks, info_text, title, now, reference
    )
    if time_layer:
        provenance["timestamp"] = time_layer
    if (
        info
        and start <= info[0] < stop
        and _text_len(page_blocks[start : info[0]]) < 300
    ):
        start = info[1]  # the container opens with headline and info line
    elif (
        title
        and (at := _index_of(page_blocks, title, start, stop)) is not None
        and not _is_text_paragraph(page_blocks[at])
    ):
        start = at + 1  # the container holds the headline: the body starts below it
    body = _read_body(
        page_blocks[start:stop], page_blocks[stop : stop + 15], source, site
    )
    if body.lines:
        provenance["body"] = body_layer

    _load_first(
        loader,
        "source",
        (
            (value, layer)
            for value, layer in (
                (info_source, "info_line"),
                (metas.first("ContentSource"), "meta"),
                (metas.first("source"), "meta"),
                (body.source, "body"),
            )
            # A page that prints "来源：" with nothing after it has no source,
            # whatever its CMS keeps in a meta tag.
            if value
            and not (
                layer == "meta"
                and (
                    prints_empty_source(info_text)
                    or _cms_default_source(value, metas, page_blocks)
                )
            )
        ),
    )
    if timestamp is not None:
        loader.add_value("timestamp", timestamp.isoformat())
        loader.add_value("timestamp_precision", timestamp.precision)
        loader.add_value("timestamp_raw", timestamp.raw)
    loader.add_value("body", body.lines)
    images, images_dropped = _usable_images(body.images)
    loader.add_value("images", images)
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
    if images_dropped:
        item["quality"].append("images:dropped")
    flags = _missing_flags(item)
    if timestamp is None and _prints_yearless_date(info_text):
        flags = ["timestamp:no_year" if f == "timestamp:missing" else f for f in flags]
    item["quality"].extend(flags)
    if body.credits_cut:
        item["quality"].append("credits:truncated")
    _drop_replacement_characters(item)
    return item


# Dates in article URLs: /202403/, /2024/10/14/, /2024-12/, t20240315_, /20240315/.
_URL_DATE_RE = re.compile(
    r"(?<![\d])(?P<y>(?:19|20)\d{2})(?:[-/_]?(?P<m>0[1-9]|1[0-2])(?:[-/_]?(?P<d>[0-3]\d))?)?"
    r"(?=[/_]|$)"
)


def url_date(url: str) -> datetime | None:
    """The latest moment the date in an article URL allows, or None.

    >>> url_date("http://h/zwgk/202403/t20240315_1.html").date().isoformat()
    '2024-03-15'
    >>> url_date("http://h/a/2024/10/14/x.html").date().isoformat()
    '2024-10-14'
    >>> url_date("http://h/a/2024-12/x.html").date().isoformat()
    '2024-12-31'
    >>> url_date("http://h/content/post_1690495.html") is None
    True
    """
    path = urlsplit(url).path
    best = None
    for match in _URL_DATE_RE.finditer(path):
        year, month, day = match.group("y"), match.group("m"), match.group("d")
        if not month and not re.search(rf"/{year}/", path):
            continue  # a bare four-digit number is a date only as a folder
        try:
            if day:
                moment = datetime(int(year), int(month), int(day), 23, 59, tzinfo=CST)
            elif month:
                following = datetime(
                    int(year) + int(month) // 12, int(month) % 12 + 1, 1
                )
                moment = (following - timedelta(minutes=1)).replace(tzinfo=CST)
            else:
                moment = datetime(int(year), 12, 31, 23, 59, tzinfo=CST)
        except ValueError:
            continue
        if best is None or (day or month):
            best = moment  # the most precise, the last in the path
    return best


def _year_reference(
    url: str,
    listing_date: str | None,
    metas: MetaTags,
    blocks: list[Block],
    now: datetime,
) -> datetime | None:
    """What gives a year to a date printed without one, never the clock: the
    listing's date, the article URL's, a dated meta tag, another dated line."""
    if listed := parse_timestamp(listing_date, now=now):
        return listed.value
    if (from_url := url_date(url)) is not None and from_url <= now.astimezone(CST):
        return from_url
    for value in (metas.first(*_PUBLISHED_META, "dateUpdate", "dateModified"),):
        if value and _FULL_DATE_RE.search(value):
            if dated := parse_timestamp(value, now=now):
                return dated.value
    for block in blocks:
        if block.text and len(block.text) <= 100 and _FULL_DATE_RE.search(block.text):
            if dated := parse_timestamp(find_date(block.text), now=now):
                return dated.value
    return None


_FULL_DATE_RE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_YEARLESS_PRINTED_RE = re.compile(r"(?<![\d年/.-])\d{1,2}\s*[-/月]\s*\d{1,2}\s*日?")


def _prints_yearless_date(info_text: str) -> bool:
    return bool(
        info_text
        and not _FULL_DATE_RE.search(info_text)
        and _YEARLESS_PRINTED_RE.search(info_text)
    )


def _channel_candidates(
    metas: MetaTags, page_blocks: list[Block], listing_channel: str | None
) -> Iterator[Candidate]:
    """The column the page names (its ColumnName meta, its breadcrumb), then
    the listing's; lazily, as the breadcrumb costs a scan."""
    if value := metas.first("ColumnName"):
        yield value, "meta"
    if value := channel_from_breadcrumb(page_blocks):
        yield value, "breadcrumb"
    if listing_channel:
        yield listing_channel, "listing"


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


_TITLE_MARK_RE = re.compile(r"title|headline|biaoti|bt", re.IGNORECASE)


def _is_text_paragraph(block: Block) -> bool:
    """A plain ``<p>`` of the text, not a headline element.

    A body that opens with a ``<p>`` repeating the headline printed above it
    (MND's bulletins, tests/fixtures/gov) opens with that paragraph; an
    ``<h1>``, a ``<div>`` or a ``<p class="title">`` is the headline itself.
    """
    owner = block.owner
    marks = f"{owner.get('class') or ''} {owner.get('id') or ''}"
    return owner.tag == "p" and not _TITLE_MARK_RE.search(marks)


def _script_source(response: Response, info_text: str) -> str | None:
    """The 来源 an inline script writes (``document.write``), when the page
    prints none; a page printing "来源：" with nothing after it has none."""
    if prints_empty_source(info_text):
        return None
    scripts = [
        text
        for text in response.xpath("//script[not(@src)]/text()").getall()
        if "write" in text
    ]
    return parse_script_source(scripts) if scripts else None


def _drop_replacement_characters(item: ArticleItem) -> None:
    # U+FFFD carries no information; once flagged in ``quality`` it is removed
    # so that no reader meets it (the flag says the text there is damaged).
    for name in ("title", "source", "channel", "body"):
        if item.get(name) and "\ufffd" in item[name]:
            item[name] = clean_text(item[name].replace("\ufffd", "")) or None


#: What an image URL must look like to be emitted (the schema's pattern).
_USABLE_URL_RE = re.compile(r"^https?://[^\s/?#]+[^\s]*$")


def _usable_images(images: list[dict]) -> tuple[list[dict], int]:
    """The images with URLs percent-encoded as a browser sends them (spaces,
    Chinese file names), and how many were dropped as still unusable.

    >>> _usable_images([{"url": "http://h/图 1.jpg", "alt": None}])
    ([{'url': 'http://h/%E5%9B%BE%201.jpg', 'alt': None}], 0)
    >>> _usable_images([{"url": "http:///nohost.jpg", "alt": None}])
    ([], 1)
    """
    usable = []
    for image in images:
        try:
            url = safe_url_string(image["url"])
        except ValueError:  # a port or host that cannot be encoded
            continue
        if _USABLE_URL_RE.match(url):
            usable.append({**image, "url": url})
    return usable, len(images) - len(usable)


def _missing_flags(item: ArticleItem) -> list[str]:
    # An article is emitted whatever it lacks; the flag says what and why.
    return [
        f"{name}:missing"
        for name in ("article_id", "title", "timestamp", "body")
        if not item.get(name)
    ]


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
