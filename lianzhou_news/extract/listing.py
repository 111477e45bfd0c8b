"""A listing page's article links, their printed dates, its pager and its channel."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree
from scrapy.http import Response

from ..schemes import GUANGDONG_PLATFORM, PAGE_DIGITS_MAX, UrlScheme
from ..text.cleaning import clean_text
from .blocks import MetaTags, channel_from_breadcrumb, page_blocks, resolve_link

# Numbers of at most PAGE_DIGITS_MAX ASCII digits: a 5,000-digit totalPage is
# no page count (and int() raises ValueError past 4,300 digits), so it is read
# as none, and the walk follows the pager links, bounded by the page cap.
_NUMBER = rf"[0-9]{{1,{PAGE_DIGITS_MAX}}}(?![0-9])"
_TOTAL_PAGE_RE = re.compile(
    rf"totalPage\s*=\s*(?:Math\.ceil\(\s*(?P<items>{_NUMBER})\s*/\s*(?P<per>{_NUMBER})\s*\)"
    rf"|(?P<total>{_NUMBER}))"
)
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


def extract_listing(
    response: Response, *, scheme: UrlScheme = GUANGDONG_PLATFORM
) -> Listing:
    """Article links, their dates, and the pagination of a listing page.

    Only same-site (same host and port) links that ``scheme`` calls articles
    are kept; WeChat reposts and other hosts are dropped here, before any
    request. Pager links are those ``scheme`` calls pages of the same column.
    """
    netloc = urlsplit(response.url).netloc
    entries: dict[str, ListingEntry] = {}
    page_numbers: set[int] = set()
    dates: dict[etree._Element, str | None] = {}  # for _date_near
    # lxml's own API, not an XPath per anchor: a listing has dozens of links,
    # and parsel's per-call cost made this most of a listing page's time.
    for anchor in response.selector.root.iter("a"):
        href = anchor.get("href")
        if href is None:
            continue
        url, parts = resolve_link(response.url, href.strip())
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or parts.netloc != netloc
        ):
            continue
        page = scheme.pager_page(url, response.url)
        if page is not None:
            page_numbers.add(page)
            continue
        article_id = scheme.article_id(url)
        if article_id is None or article_id in entries:
            continue
        title = clean_text(anchor.get("title")) or clean_text(
            "".join(anchor.itertext())
        )
        entries[article_id] = ListingEntry(
            url=url.split("#", 1)[0],
            article_id=article_id,
            title=title or None,
            date=_date_near(anchor, dates),
        )
    total_pages, declared_items = _total_pages(response.text)
    return Listing(
        entries=list(entries.values()),
        total_pages=total_pages,
        declared_items=declared_items,
        page_numbers=page_numbers,
        channel=MetaTags(response).first("ColumnName") or _listing_channel(response),
    )


#: How much of an element's text ``_date_near`` reads: a list item with its
#: date is a line; a whole list is not read to its end for every link in it.
DATE_TEXT_MAX = 1000


def _date_near(
    anchor: etree._Element, seen: dict[etree._Element, str | None]
) -> str | None:
    """The date printed in the same list item: the anchor, its item, then its parent.

    Linear in the page: an element's date is read once (``seen`` holds it for
    the next link under the same item or list), from at most its first
    ``DATE_TEXT_MAX`` characters. Joining a whole list's text for each of its
    links made a 50,000-link listing take 45 minutes.
    """
    for element in (anchor, *itertools.islice(anchor.iterancestors(), 2)):
        if element in seen:
            date = seen[element]
        else:
            date = seen[element] = _first_date(element)
        if date:
            return date
    return None


def _first_date(element: etree._Element) -> str | None:
    pieces, size = [], 0
    for piece in element.itertext():
        pieces.append(piece)
        size += len(piece)
        if size >= DATE_TEXT_MAX:
            break
    match = _DATE_IN_TEXT_RE.search(" ".join(pieces)[:DATE_TEXT_MAX])
    return match.group(0) if match else None


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
    channel = channel_from_breadcrumb(page_blocks(response))
    if channel:
        return channel
    title = clean_text(response.xpath("//title/text()").get())
    parts = [p for p in re.split(r"\s*(?:_|\||｜|--| - | — )\s*", title) if p]
    return parts[0] if parts else None
