"""A CMS family's URL scheme, written once: what an article URL is, and how a column's listing pages are numbered.

The spiders, the extractor and the offline demo site all ask a ``UrlScheme``
instead of matching paths themselves. A spider names its family's scheme in
its ``url_scheme`` attribute; the Guangdong provincial platform is the only
one implemented. Another family is another subclass, e.g. TRS WCM
(articles ``./YYYYMM/t<YYYYMMDD>_<id>.html``, listings ``index.html``,
``index_1.html`` = page 2) or Hanweb (articles
``/art/YYYY/M/D/art_<col>_<id>.html``, listings ``/col/col<col>/index.html``
with the page in the query).

Every method takes absolute URLs (or, for ``article_path``, a column path),
so a scheme may read the query as well as the path.

``UrlScheme.item_id`` is the item's ``article_id`` on any URL at all: the
scheme's own id, else a CMS document id in the file name, else a hash of the
canonical URL (``cms_document_id``, ``url_hash_id``).
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from urllib.parse import urljoin, urlsplit

from w3lib.url import canonicalize_url

# Document ids that CMS families put in article file names, most specific
# first. TRS WCM: ``t20240315_123456.html``; Hanweb: ``art_60085_11394426.html``;
# anything else: a trailing number of four digits or more (shorter ones are
# too often page numbers, ``index_2.html``).
_TRS_ID_RE = re.compile(r"^(t\d{8}_\d+)(?:\.[a-z]{2,5})?$", re.IGNORECASE)
_HANWEB_ID_RE = re.compile(r"^(art_\d+_\d+)(?:\.[a-z]{2,5})?$", re.IGNORECASE)
_TRAILING_NUMBER_RE = re.compile(r"(?<!\d)(\d{4,})(?:\.[a-z]{2,5})?$", re.IGNORECASE)


def cms_document_id(url: str) -> str | None:
    """The document id a CMS wrote into the article's file name, or None.

    >>> cms_document_id("https://www.pingtan.gov.cn/zwgk/yw/202303/t20230329_45634.htm")
    't20230329_45634'
    >>> cms_document_id("http://www.jiangxi.gov.cn/art/2024/3/15/art_60085_11394426.html")
    'art_60085_11394426'
    >>> cms_document_id("https://www.mnd.gov.tw/news/plaact/86346")
    '86346'
    >>> cms_document_id("http://h/news/content_2024.shtml"), cms_document_id("http://h/a/index_2.html")
    ('2024', None)
    """
    name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    for pattern in (_TRS_ID_RE, _HANWEB_ID_RE, _TRAILING_NUMBER_RE):
        if match := pattern.search(name):
            return match.group(1).lower()
    return None


def url_hash_id(url: str) -> str:
    """``url_`` and 16 hex digits of the SHA-1 of the canonical URL.

    Canonical as w3lib makes it (query sorted, fragment dropped, host
    lowercased, percent-encoding normalised), without its scheme, so http and
    https give one id. A pure function of the URL: the same on every run.

    >>> url_hash_id("https://H.gov.cn/view?b=2&a=1#top") == url_hash_id("http://h.gov.cn/view?a=1&b=2")
    True
    >>> url_hash_id("http://h.gov.cn/view?a=1")
    'url_849ea6f35221a3e3'
    """
    canonical = canonicalize_url(url).split("://", 1)[-1]
    return "url_" + hashlib.sha1(canonical.encode("utf-8")).hexdigest()[:16]


#: The most digits a page number may have: a longer one is no page number
#: (and ``int()`` raises ValueError past 4,300 digits).
PAGE_DIGITS_MAX = 9


class UrlScheme(ABC):
    """How one CMS family lays out article and listing URLs."""

    @abstractmethod
    def article_id(self, url: str) -> str | None:
        """The article's id if ``url`` is an article page of this scheme, else None.

        The id is unique site-wide: it is the item's ``article_id`` and the key
        of de-duplication and the state store. Listings use it to tell article
        links from the rest, so it must stay None for anything else.
        """

    def item_id(self, url: str) -> str:
        """The item's ``article_id`` for an article fetched from ``url``, never None.

        In order: this scheme's ``article_id`` (the platform's post id); the
        document id the CMS wrote into the file name (``cms_document_id``:
        TRS ``t20240315_123456``, Hanweb ``art_60085_11394426``, a trailing
        number); a hash of the canonical URL (``url_hash_id``). Each is a pure
        function of the URL, so stable across runs, and unique within a site.
        A scheme overrides this only if its URLs carry a better id.

        >>> GUANGDONG_PLATFORM.item_id("http://h/zwgk/content/post_1690495.html")
        '1690495'
        >>> GUANGDONG_PLATFORM.item_id("http://h/ywtz/202603/t20260329_45634.htm")
        't20260329_45634'
        >>> GUANGDONG_PLATFORM.item_id("http://h/view.html?docId=12")[:4]
        'url_'
        """
        return self.article_id(url) or cms_document_id(url) or url_hash_id(url)

    @abstractmethod
    def listing_page_url(self, url: str, page: int) -> str:
        """The URL of page ``page`` (1-based) of the column ``url`` is a listing page of."""

    @abstractmethod
    def page_number(self, url: str) -> int:
        """Which page (1-based) of its column a listing URL is."""

    @abstractmethod
    def pager_page(self, link: str, listing_url: str) -> int | None:
        """The page number if ``link`` (absolute, same host) is a listing page of
        the same column as ``listing_url``, else None."""

    def column(self, url: str) -> str:
        """The key a column is known by (in stats and the state store): the path
        of its first page, the same on a mirror host or another port."""
        return urlsplit(self.listing_page_url(url, 1)).path

    @abstractmethod
    def article_path(self, column_path: str, article_id: str) -> str:
        """The path of article ``article_id`` in the column at ``column_path``
        (``/zwgk/lzyw/``): what the offline demo site writes."""


class GuangdongPlatform(UrlScheme):
    """The Guangdong provincial government-site platform (连州, 连山, …).

    Articles are ``/<column>/<sub>/content/post_<id>.html``, ids numbered
    site-wide; a column's listing pages are ``index.html``, ``index_2.html``,
    ``index_3.html`` … (there is no ``index_1.html``).

    >>> scheme = GuangdongPlatform()
    >>> scheme.article_id("http://h/zwgk/lzyw/content/post_1690495.html")
    '1690495'
    >>> scheme.article_id("http://h/zwgk/lzyw/index_2.html") is None
    True
    >>> scheme.listing_page_url("http://h/zglzsw/sj/", 2)
    'http://h/zglzsw/sj/index_2.html'
    >>> scheme.listing_page_url("http://h/zglzsw/sj/index_3.html", 1)
    'http://h/zglzsw/sj/index.html'
    >>> scheme.page_number("http://h/zwgk/lzyw/index_3.html"), scheme.page_number("http://h/zwgk/lzyw/")
    (3, 1)
    >>> scheme.pager_page("http://h/zwgk/lzyw/index_4.html", "http://h/zwgk/lzyw/")
    4
    >>> scheme.pager_page("http://h/zwgk/index_4.html", "http://h/zwgk/lzyw/") is None
    True
    >>> scheme.column("http://h:8000/mirror/zwgk/lzyw/index_5.html")
    '/mirror/zwgk/lzyw/index.html'
    >>> scheme.pager_page("http://h/zwgk/lzyw/index_" + "9" * 5000 + ".html", "http://h/zwgk/lzyw/") is None
    True
    >>> scheme.article_path("/zwgk/lzyw/", "1690495")
    '/zwgk/lzyw/content/post_1690495.html'
    """

    _ARTICLE_RE = re.compile(r"/content/post_(\d+)\.html$")
    # ASCII digits, at most PAGE_DIGITS_MAX of them: int() refuses more than
    # 4,300 digits (ValueError), and no column has a billion pages.
    _PAGE_FILE_RE = re.compile(
        rf"(?:^|/)index(?:_([0-9]{{1,{PAGE_DIGITS_MAX}}}))?\.html?$"
    )
    _PAGE_NAME_RE = re.compile(rf"index_([0-9]{{1,{PAGE_DIGITS_MAX}}})\.html")

    def article_id(self, url: str) -> str | None:
        match = self._ARTICLE_RE.search(urlsplit(url).path)
        return match.group(1) if match else None

    def listing_page_url(self, url: str, page: int) -> str:
        base = url.split("?", 1)[0]
        base = base[: base.rfind("/") + 1]
        return urljoin(base, "index.html" if page == 1 else f"index_{page}.html")

    def page_number(self, url: str) -> int:
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        match = self._PAGE_NAME_RE.fullmatch(name)
        return int(match.group(1)) if match else 1

    def pager_page(self, link: str, listing_url: str) -> int | None:
        path = urlsplit(link).path
        match = self._PAGE_FILE_RE.search(path)
        if not match:
            return None
        here = urlsplit(listing_url).path
        column_dir = here[: here.rfind("/") + 1]
        if path.startswith(column_dir) and "/" not in path[len(column_dir) :]:
            return int(match.group(1) or 1)
        return None

    def article_path(self, column_path: str, article_id: str) -> str:
        return f"{column_path}content/post_{article_id}.html"

    def __repr__(self) -> str:
        return "GUANGDONG_PLATFORM"


#: The scheme of the Guangdong provincial platform, the default everywhere.
GUANGDONG_PLATFORM = GuangdongPlatform()
