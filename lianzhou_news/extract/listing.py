"""A listing page's article links, their printed dates, its pager and its channel.

Besides the page's own links: Hanweb's records (``<record><![CDATA[…]]>`` in a
``<script type="text/xml">`` datastore, or a dataproxy.jsp answer), the newer
Hanweb template's ``var listData`` JSON, and, when the page shows no article
link at all, a list left inside an HTML comment (a saved page whose list the
live site fills by script). Under the ``GENERIC`` scheme the main list is the
largest group of same-shaped, same-site links with a date beside them.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree
from lxml import html as lxml_html
from scrapy.http import Response
from scrapy.utils.response import get_base_url

from ..schemes import GUANGDONG_PLATFORM, PAGE_DIGITS_MAX, Generic, UrlScheme
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
# TRS WCM: createPageHTML(34, 0, "index", "html") (pages, current from 0), or
# its document.write pager's countPage = Number("34").
_TRS_PAGES_RE = re.compile(
    rf"createPageHTML\(\s*(?P<pages>{_NUMBER})\s*,\s*{_NUMBER}\s*,\s*[\"']index[\"']"
    rf"|countPage\s*=\s*(?:Number\(\s*)?[\"']?(?P<count>{_NUMBER})"
    # createPageHTML('page_div', 10, 1, 'zwgklist', 'shtml', 200): pages, items
    rf"|createPageHTML\(\s*[\"'][^\"']*[\"']\s*,\s*(?P<div_pages>{_NUMBER})\s*,"
    rf"\s*{_NUMBER}\s*,\s*[\"'][^\"']*[\"']\s*,\s*[\"'][^\"']*[\"']\s*(?:,\s*(?P<div_items>{_NUMBER}))?"
)
# Hanweb's datastore: its records, its size and its dataproxy link.
_RECORD_RE = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)
_TOTAL_RECORD_RE = re.compile(rf"<totalrecord>\s*({_NUMBER})\s*</totalrecord>")
_NEXTGROUP_RE = re.compile(
    r"<nextgroup>\s*<!\[CDATA\[\s*<a\s+href=[\"']([^\"']+)[\"']", re.DOTALL
)
_PER_PAGE_RE = re.compile(rf"\bper_?page\b[\"']?\s*[:=]\s*[\"']?({_NUMBER})", re.I)
# The newer Hanweb (JPaaS) template: var listData = {articleList: [ … ]}.
_LIST_DATA_RE = re.compile(r"var\s+listData\s*=\s*\{\s*articleList\s*:\s*(?=\[)")
_ARTICLE_COUNT_RE = re.compile(
    rf"channelsTagSelf\s*=.*?\"articleCount\"\s*:\s*({_NUMBER})"
)
_COMMENT_RE = re.compile(r"<!--(.*?)-->", re.DOTALL)
_NEXT_TEXT = {"下一页", "下页", "next", "next page", ">", "›", "»", "下一頁"}
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
    #: The next page's URL as the page printed it: Hanweb's dataproxy link
    #: (``<nextgroup>``, with ``perpage``), a 下一页/next link. See
    #: ``UrlScheme.next_page_url``.
    pager_url: str | None = None


def extract_listing(
    response: Response, *, scheme: UrlScheme = GUANGDONG_PLATFORM
) -> Listing:
    """Article links, their dates, and the pagination of a listing page.

    Only same-site (same host and port) links that ``scheme`` calls articles
    are kept; WeChat reposts and other hosts are dropped here, before any
    request. Pager links are those ``scheme`` calls pages of the same column.
    """
    text = response.text
    generic = isinstance(scheme, Generic)
    roots = [response.selector.root, *_fragments(_RECORD_RE.findall(text))]
    # Links resolve against the page's <base href> (mnd.gov.tw: "/").
    base = get_base_url(response)
    found = _links(response.url, base, roots, scheme, generic=generic)
    if not found.entries:
        found.entries = _list_data(response.url, text, scheme)
    if not found.entries:
        # A list the saved page holds only inside a comment (the live page
        # fills it by script): the links a browser would show.
        comments = [c for c in _COMMENT_RE.findall(text) if "<a" in c]
        found = _links(
            response.url, base, _fragments(comments), scheme, generic=generic
        )
    total_pages, declared_items = _total_pages(text)
    pager_url = found.next_url or found.page_urls.get(
        scheme.page_number(response.url) + 1
    )
    if match := _NEXTGROUP_RE.search(text):
        pager_url = _hanweb_pager(response.url, html.unescape(match.group(1)), text)
    if match := _TOTAL_RECORD_RE.search(text):
        declared_items = int(match.group(1))
        # The page's pager script says it; a dataproxy answer's own URL does.
        per = _PER_PAGE_RE.search(text) or _PER_PAGE_RE.search(response.url)
        per_page = int(per.group(1)) if per else 0
        total_pages = max(-(-declared_items // (per_page or 15)), 1)
    elif match := _ARTICLE_COUNT_RE.search(text):
        declared_items = int(match.group(1))
    return Listing(
        entries=found.entries,
        total_pages=total_pages,
        declared_items=declared_items,
        page_numbers=found.page_numbers,
        channel=_channel(response),
        pager_url=pager_url,
    )


@dataclass
class _Links:
    entries: list[ListingEntry]
    page_numbers: set[int]
    next_url: str | None
    page_urls: dict[int, str]


def _fragments(sources: list[str]) -> list[etree._Element]:
    """Each piece of HTML text parsed on its own (a record, a comment)."""
    out = []
    for source in sources:
        try:
            out.append(lxml_html.fragment_fromstring(source, create_parent="div"))
        except (etree.ParserError, ValueError):
            continue
    return out


def _links(
    page_url: str,
    base: str,
    roots: list[etree._Element],
    scheme: UrlScheme,
    *,
    generic: bool,
) -> _Links:
    """The article entries and pager links under ``roots``, in page order."""
    netloc = urlsplit(page_url).netloc
    entries: dict[str, ListingEntry] = {}
    page_numbers: set[int] = set()
    page_urls: dict[int, str] = {}
    next_url = None
    dates: dict[etree._Element, str | None] = {}  # for _date_near
    # Under GENERIC: entries grouped by the shape of their URL.
    shapes: dict[str, dict[str, ListingEntry]] = defaultdict(dict)
    # lxml's own API, not an XPath per anchor: a listing has dozens of links,
    # and parsel's per-call cost made this most of a listing page's time.
    for anchor in itertools.chain.from_iterable(root.iter("a") for root in roots):
        href = anchor.get("href")
        if href is None:
            continue
        url, parts = resolve_link(base, href.strip())
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or parts.netloc != netloc
        ):
            continue
        text = clean_text("".join(anchor.itertext()))
        page = scheme.pager_page(url, page_url)
        if page is not None:
            page_numbers.add(page)
            page_urls.setdefault(page, url.split("#", 1)[0])
            if next_url is None and text.lower() in _NEXT_TEXT:
                next_url = url.split("#", 1)[0]
            continue
        if next_url is None and text.lower() in _NEXT_TEXT:
            next_url = url.split("#", 1)[0]
            continue
        article_id = scheme.article_id(url)
        if article_id is None or article_id in entries:
            continue
        date = _date_near(anchor, dates)
        if date is None and generic:
            date = _roc_date(anchor)
        # An anchor that wraps its title and its date: the title alone.
        title = clean_text(anchor.get("title")) or _without_date(
            _main_text(anchor) or text, date
        )
        entry = ListingEntry(
            url=url.split("#", 1)[0],
            article_id=article_id,
            title=title or None,
            date=date,
        )
        if not generic:
            entries[article_id] = entry
        elif entry.date and entry.title:
            shapes[_shape(parts.path)].setdefault(article_id, entry)
    if generic and shapes:
        entries = max(shapes.values(), key=len)
    return _Links(list(entries.values()), page_numbers, next_url, page_urls)


def _main_text(anchor: etree._Element) -> str | None:
    """The longest text of an anchor that wraps several blocks (title, date,
    views): the title, without the rest."""
    texts = [
        clean_text("".join(child.itertext()))
        for child in anchor
        if isinstance(child.tag, str)  # not a comment
    ]
    texts = [text for text in texts if text]
    return max(texts, key=len) if len(texts) >= 2 else None


_DIGITS_RE = re.compile(r"[0-9]+")
# Taiwan's 民國 years: 115.03.19 is 2026-03-19.
_ROC_DATE_RE = re.compile(
    r"(?<![0-9.])(1[0-9]{2})\.([0-9]{1,2})\.([0-9]{1,2})(?![0-9.])"
)


def _roc_date(anchor: etree._Element) -> str | None:
    """A 民國 date printed inside the anchor, as YYYY-MM-DD (GENERIC only)."""
    match = _ROC_DATE_RE.search(" ".join(anchor.itertext())[:DATE_TEXT_MAX])
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year + 1911}-{month:02d}-{day:02d}"


def _without_date(text: str, date: str | None) -> str:
    """``text`` without the date printed at its start or end."""
    if not date:
        return text
    for pattern in (_DATE_IN_TEXT_RE, _ROC_DATE_RE):
        stripped = re.sub(
            rf"^\s*\[?(?:{pattern.pattern})\]?\s*|\s*\[?(?:{pattern.pattern})\]?\s*$",
            "",
            text,
        )
        if stripped != text:
            return stripped
    return text


def _shape(path: str) -> str:
    """A URL path with its numbers blanked: ``/jyt/c110634/202511/1.shtml`` and
    ``/jyt/c110634/202506/2.shtml`` have one shape."""
    return _DIGITS_RE.sub("0", path)


def _list_data(page_url: str, text: str, scheme: UrlScheme) -> list[ListingEntry]:
    """Entries of the newer Hanweb template's ``var listData`` JSON."""
    match = _LIST_DATA_RE.search(text)
    if not match:
        return []
    try:
        records, _ = json.JSONDecoder().raw_decode(text, match.end())
    except ValueError:
        return []
    netloc = urlsplit(page_url).netloc
    entries: dict[str, ListingEntry] = {}
    for record in records if isinstance(records, list) else ():
        if not isinstance(record, dict):
            continue
        urls = record.get("urls")
        try:
            urls = json.loads(urls) if isinstance(urls, str) else urls
        except ValueError:
            continue
        href = urls.get("pc") if isinstance(urls, dict) else None
        if not isinstance(href, str):
            continue
        url, parts = resolve_link(page_url, href.strip())
        if parts is None or parts.netloc != netloc:
            continue
        article_id = scheme.article_id(url)
        if article_id is None or article_id in entries:
            continue
        title = record.get("title")
        date = record.get("pubDate")
        entries[article_id] = ListingEntry(
            url=url,
            article_id=article_id,
            title=clean_text(title) or None if isinstance(title, str) else None,
            date=date[:10] if isinstance(date, str) and date else None,
        )
    return list(entries.values())


def _hanweb_pager(page_url: str, href: str, text: str) -> str:
    """The dataproxy link of a Hanweb datastore, with the page's ``perpage``."""
    url, _ = resolve_link(page_url, href)
    per = _PER_PAGE_RE.search(text)
    if url and per and "perpage=" not in url:
        url += ("&" if "?" in url else "?") + f"perpage={per.group(1)}"
    return url or href


def _channel(response: Response) -> str | None:
    if (
        not isinstance(response.selector.root, etree._Element)
        or response.selector.type == "xml"
    ):
        return None  # a dataproxy answer: records only
    return MetaTags(response).first("ColumnName") or _listing_channel(response)


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
        trs = _TRS_PAGES_RE.search(text)
        if not trs:
            return None, None
        if trs.group("div_pages"):
            items = trs.group("div_items")
            return max(int(trs.group("div_pages")), 1), int(items) if items else None
        return max(int(trs.group("pages") or trs.group("count")), 1), None
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
