"""Column discovery, pure: a portal page's candidate column links, and whether a page lists articles.

A county portal's home page (or any page of the site that is not a listing)
links to its columns from its navigation menu, from the 更多 ("more") links of
its headline blocks and from those blocks' headings; it also links to pages
that are not columns: an about page, a search page, 政务公开 catalogue pages
(often dead), other hosts, files. ``candidate_links`` gathers the same-site
links worth fetching, 更多 links and headings first, then the menu, then the
rest, each with the name the page gives it; the spider fetches them and
``is_listing_page`` decides from each answer whether it is a column. Nothing
here is specific to one portal: only the URL scheme's idea of an article link.

``is_listing_page`` holds a page to be a listing when most of its article
links sit in one repeated list (the ``<li>`` of one ``<ul>``, the rows of one
table, the ``<dl>`` of one ``<div>``), as a column's main list does; a home
page spreads its article links over several headline blocks. A start page at
the site root is always a home page, whatever its markup: no CMS family
serves a column's listing there.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from lxml import etree
from scrapy.http import TextResponse

from .extract.blocks import resolve_link
from .schemes import UrlScheme
from .text.cleaning import clean_text

#: The share of a page's article links that its largest list must hold for
#: the page to be a listing (a column page's sidebar of hot stories stays
#: under it; a home page's blocks, each a list of their own, never reach it).
MAIN_LIST_SHARE = 0.6

#: Link texts that mean "the rest of this block": 更多, 更多>>, more, >>, 查看更多.
_MORE_RE = re.compile(r"^(?:查看|浏览)?(?:更多|more|MORE|More)?\s*[>»›＞]*\s*$")
#: Where a menu lives, by tag or by a class or id word.
_NAV_RE = re.compile(r"nav|menu|daohang|lanmu|channel", re.IGNORECASE)
#: Files and pages no column is: documents, images, archives, media, scripts.
_FILE_RE = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|wps|zip|rar|7z|gz|jpe?g|png|gif|bmp|svg|mp[34]|"
    r"avi|flv|wmv|swf|apk|exe|txt|xml|json|css|js)$",
    re.IGNORECASE,
)
#: A site root: where every county's home page is, and never a column.
_ROOT_RE = re.compile(r"^/(?:(?:index|default|home)\.[a-z]{3,5})?$", re.IGNORECASE)
#: The file name of a directory's first page, dropped from a page's key.
_INDEX_RE = re.compile(r"/(?:index|default)\.[a-z]{3,5}$", re.IGNORECASE)
#: Article ids of other CMS families (TRS ``t20240315_1``, Hanweb ``art_1_2``),
#: so that their article links are never taken for columns.
_DOCUMENT_RE = re.compile(r"/(?:t\d{8}_\d+|art_\d+_\d+)\.[a-z]{3,5}$", re.IGNORECASE)
#: Longest column name kept from a link's text; longer is a headline.
NAME_MAX = 30

#: How a candidate was linked, best first: a block's 更多 link or heading, the
#: menu, anywhere else.
MORE, HEADING, MENU, OTHER = "more", "heading", "menu", "link"
_RANK = {MORE: 0, HEADING: 1, MENU: 2, OTHER: 3}


@dataclass(frozen=True)
class Candidate:
    """A same-site link that may be a column, as the page links it."""

    url: str
    name: (
        str | None
    )  # what the page calls it (None: only a 更多 link without a heading)
    via: str  # MORE, HEADING, MENU or OTHER


@dataclass(frozen=True)
class Column:
    """A column discovery found: its name and the URL of its first listing page."""

    name: str
    url: str

    def as_dict(self) -> dict:
        return {"name": self.name, "url": self.url}


def page_key(url: str) -> str:
    """What two links to one page share: no fragment, no ``index.html``.

    >>> page_key("http://h/zwgk/lzyw/index.html#top") == page_key("http://h/zwgk/lzyw/")
    True
    >>> page_key("http://h/col/col1/index.html?uid=2")
    'http://h/col/col1/?uid=2'
    """
    parts = urlsplit(url)
    path = _INDEX_RE.sub("/", parts.path) or "/"
    return urlunsplit((parts.scheme, parts.netloc.lower(), path, parts.query, ""))


def is_site_root(url: str) -> bool:
    """Whether ``url`` is a site's root page (``/``, ``/index.html``).

    >>> is_site_root("https://www.lianzhou.gov.cn/"), is_site_root("http://h/zwgk/")
    (True, False)
    """
    return bool(_ROOT_RE.match(urlsplit(url).path or "/"))


def candidate_links(
    response: TextResponse, scheme: UrlScheme, *, limit: int | None = None
) -> list[Candidate]:
    """The same-site links of ``response`` that may lead to a column, best first.

    Kept: http(s) links on the page's own host and port that are not article
    links (``scheme``, or a TRS/Hanweb document name), not files, not the page
    itself and not the site root. Links to one page are one candidate, with
    the best name any of them gave it. Order: 更多 links and block headings,
    then the menu, then the rest, each in page order; ``limit`` keeps the
    first so many.
    """
    netloc = urlsplit(response.url).netloc
    here = page_key(response.url)
    found: dict[str, Candidate] = {}
    order: dict[str, int] = {}
    for anchor in response.selector.root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            continue
        url, parts = resolve_link(response.url, href)
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or parts.netloc != netloc
            or _ROOT_RE.match(parts.path or "/")
            or _FILE_RE.search(parts.path)
            or _DOCUMENT_RE.search(parts.path)
            or scheme.article_id(url) is not None
        ):
            continue
        key = page_key(url)
        if key == here:
            continue
        text = clean_text(anchor.get("title")) or clean_text("".join(anchor.itertext()))
        if text and _MORE_RE.match(text):
            via, name = MORE, _block_heading(anchor, text)
        else:
            via = (
                HEADING if _in_heading(anchor) else MENU if _in_menu(anchor) else OTHER
            )
            name = text if 0 < len(text) <= NAME_MAX else None
        candidate = Candidate(url.split("#", 1)[0], name, via)
        known = found.get(key)
        if known is None:
            found[key] = candidate
            order[key] = len(order)
            continue
        better_via = via if _RANK[via] < _RANK[known.via] else known.via
        # A name from a menu or a heading beats one read off a 更多 block.
        better_name = (
            known.name if known.name and known.via != MORE else name or known.name
        )
        found[key] = Candidate(known.url, better_name, better_via)
    ranked = sorted(found, key=lambda key: (_RANK[found[key].via], order[key]))
    return [found[key] for key in ranked[:limit]]


def is_listing_page(
    response: TextResponse,
    is_article: Callable[[str], bool],
    *,
    start: bool = False,
    listed: int = 0,
) -> bool:
    """Whether ``response`` is a listing page of articles (a column's page).

    ``is_article(url)``: the URL scheme's test of an article link. True when
    the page has same-site article links and at least ``MAIN_LIST_SHARE`` of
    them sit in one repeated list (module docstring). ``start``: the page is
    a start URL, so a site root is a home page whatever it lists. ``listed``:
    the entries the spider's listing extractor found, which decide alone for
    a page whose markup holds no article link at all.
    """
    if start and is_site_root(response.url):
        return False
    largest, total = main_list(response, is_article)
    if total == 0:
        # No article link in the markup: a listing only if the family's
        # extractor read entries from elsewhere (a Hanweb page's XML records).
        return bool(listed)
    return largest >= MAIN_LIST_SHARE * total


def main_list(
    response: TextResponse, is_article: Callable[[str], bool]
) -> tuple[int, int]:
    """``(links in the largest repeated list, article links in all)`` of a page,
    counting each same-site article URL once."""
    netloc = urlsplit(response.url).netloc
    groups: Counter = Counter()
    seen: set[str] = set()
    memo: dict = {}  # for _list_of: linear in the page, not in its links squared
    for anchor in response.selector.root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        url, parts = resolve_link(response.url, href)
        if parts is None or parts.netloc != netloc or not is_article(url):
            continue
        url = url.split("#", 1)[0]
        if url in seen:
            continue
        seen.add(url)
        groups[_list_of(anchor, memo)] += 1
    return (max(groups.values()) if groups else 0), len(seen)


#: How far up from a link ``_list_of`` looks for the list it is an item of.
_LIST_DEPTH = 6


def _list_of(anchor: etree._Element, memo: dict) -> etree._Element:
    """The element whose repeated children hold this link: the ``<ul>`` of its
    ``<li>``, the ``<tbody>`` of its ``<tr>``, the ``<div>`` of its ``<dl>``.

    Going up from the link, the first parent with another child of the same
    tag as the one on the way up (the link's parent if none within
    ``_LIST_DEPTH`` levels). A list split into pieces is one list: when the
    list sits in wrappers that hold nothing else (no heading, no 更多 link),
    and those wrappers repeat, alike, under one parent (``<div><ul>`` five
    items ``</ul></div>`` fifteen times), that parent is the list. A home
    page's blocks hold a heading beside their list, so they stay apart.
    ``memo`` keeps what was counted for the page's other links (a listing
    of 50,000 items has 50,000 siblings to count once, not once per link).
    """
    node = anchor
    found = None
    for _ in range(_LIST_DEPTH):
        parent = node.getparent()
        if parent is None:
            break
        if _same_tag_children(parent, node.tag, memo) >= 2:
            found = parent
            break
        node = parent
    if found is None:
        parent = anchor.getparent()
        return parent if parent is not None else anchor
    key = ("list", found)
    if key not in memo:
        memo[key] = _whole_list(found)
    return memo[key]


def _same_tag_children(parent: etree._Element, tag, memo: dict) -> int:
    key = ("tags", parent)
    counts = memo.get(key)
    if counts is None:
        counts = memo[key] = Counter(child.tag for child in parent)
    return counts[tag]


def _whole_list(found: etree._Element) -> etree._Element:
    """``found``, or the parent of the alike wrappers its pieces sit in."""
    wrapper = found
    for _ in range(_WRAPPER_DEPTH):
        parent = wrapper.getparent()
        if parent is None:
            break
        alike = [
            child
            for child in parent
            if child.tag == wrapper.tag and child.get("class") == wrapper.get("class")
        ]
        if len(alike) >= 2 and all(_only_child(child) for child in alike):
            return parent
        if not _only_child(parent):
            break
        wrapper = parent
    return found


#: How many wrappers up ``_list_of`` looks for a list's other pieces.
_WRAPPER_DEPTH = 2


def _only_child(element: etree._Element) -> bool:
    """Whether ``element`` is a wrapper: one child with text or links in it,
    any others empty (a clearing ``<div>``), and no text of its own."""
    if (element.text or "").strip():
        return False
    full = [
        child
        for child in element
        if isinstance(child.tag, str)
        and (
            "".join(child.itertext()).strip() or next(child.iter("a"), None) is not None
        )
    ]
    return len(full) == 1


#: How far up from a link its menu or heading is looked for: a hostile page
#: nested 100,000 deep costs a bounded walk per link, not its whole depth.
_ANCESTOR_DEPTH = 12
#: How much of a block's text ``_block_heading`` reads for a heading.
_HEADING_TEXT_MAX = 200


def _ancestors(anchor: etree._Element):
    return itertools.islice(anchor.iterancestors(), _ANCESTOR_DEPTH)


def _in_heading(anchor: etree._Element) -> bool:
    return any(
        isinstance(a.tag, str) and re.fullmatch(r"h[1-6]", a.tag)
        for a in _ancestors(anchor)
    )


def _in_menu(anchor: etree._Element) -> bool:
    for ancestor in _ancestors(anchor):
        if ancestor.tag == "nav":
            return True
        marks = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if _NAV_RE.search(marks):
            return True
    return False


def _block_heading(anchor: etree._Element, more_text: str) -> str | None:
    """The heading of the block a 更多 link closes: the text of its nearest
    enclosing element that says more than the link, if short enough to be a
    name (``<div class="hd"><h3>连州要闻</h3><a>更多>></a></div>``)."""
    for ancestor in itertools.islice(anchor.iterancestors(), 3):
        pieces, size = [], 0
        for piece in ancestor.itertext():
            pieces.append(piece)
            size += len(piece)
            if size > _HEADING_TEXT_MAX:
                return None  # a whole block of text: no heading to name it by
        name = clean_text(clean_text(" ".join(pieces)).replace(more_text, "", 1))
        if name:
            return name if len(name) <= NAME_MAX else None
    return None


def compile_columns_filter(value: str | None) -> re.Pattern | None:
    """``-a columns=REGEX``: the names to keep (searched, not matched whole).

    >>> compile_columns_filter("要闻|动态").pattern
    '要闻|动态'
    >>> compile_columns_filter("要闻(")
    Traceback (most recent call last):
    ...
    ValueError: columns: '要闻(' is not a regular expression (missing ), unterminated subpattern at position 2)
    """
    if value is None or value == "":
        return None
    try:
        return re.compile(value)
    except re.error as error:
        raise ValueError(
            f"columns: {value!r} is not a regular expression ({error})"
        ) from None
