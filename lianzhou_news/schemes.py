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

    def next_page_url(self, listing_url: str, page: int, pager_url: str | None) -> str:
        """The URL of page ``page`` of the column ``listing_url`` is a page of.

        ``pager_url`` is the next-page URL the listing page printed, if any
        (``Listing.pager_url``): a family whose pages take parameters only the
        page knows (Hanweb's dataproxy) builds on it. By default, the scheme's
        own numbering.
        """
        return self.listing_page_url(listing_url, page)

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


def _directory(url: str) -> str:
    """``url`` without its query and file name: the column's directory."""
    base = url.split("?", 1)[0].split("#", 1)[0]
    return base[: base.rfind("/") + 1]


class TrsWcm(UrlScheme):
    """TRS WCM (拓尔思), the commonest CMS of Chinese government sites.

    Articles are ``<column>/YYYYMM/tYYYYMMDD_<id>.html`` (or ``.htm``), the id
    is the file name; a column's listing pages are ``index.html``, then
    ``index_1.html`` for page 2, ``index_2.html`` for page 3 … (the page's
    ``createPageHTML(N, i, "index", "html")`` numbers pages from 0).

    >>> scheme = TrsWcm()
    >>> scheme.article_id("http://h/xwzx/tzgg/202403/t20240315_123456.html")
    't20240315_123456'
    >>> scheme.article_id("http://h/xwzx/tzgg/index_1.html") is None
    True
    >>> scheme.listing_page_url("http://h/xwzx/tzgg/", 2)
    'http://h/xwzx/tzgg/index_1.html'
    >>> scheme.listing_page_url("http://h/xwzx/tzgg/index_4.html", 1)
    'http://h/xwzx/tzgg/index.html'
    >>> scheme.page_number("http://h/xwzx/tzgg/index_1.html"), scheme.page_number("http://h/xwzx/tzgg/")
    (2, 1)
    >>> scheme.pager_page("http://h/xwzx/tzgg/index_33.html", "http://h/xwzx/tzgg/index.html")
    34
    >>> scheme.pager_page("http://h/xwzx/index_3.html", "http://h/xwzx/tzgg/") is None
    True
    >>> scheme.column("http://h/xwzx/tzgg/index_5.html")
    '/xwzx/tzgg/index.html'
    >>> scheme.article_path("/xwzx/tzgg/", "t20240315_123456")
    '/xwzx/tzgg/202403/t20240315_123456.html'
    """

    _ARTICLE_RE = re.compile(r"/\d{6}/(t\d{8}_\d+)\.s?html?$", re.IGNORECASE)
    _PAGE_NAME_RE = re.compile(rf"index(?:_([0-9]{{1,{PAGE_DIGITS_MAX}}}))?\.s?html?")

    def article_id(self, url: str) -> str | None:
        match = self._ARTICLE_RE.search(urlsplit(url).path)
        return match.group(1).lower() if match else None

    def listing_page_url(self, url: str, page: int) -> str:
        name = "index.html" if page <= 1 else f"index_{page - 1}.html"
        return urljoin(_directory(url), name)

    def page_number(self, url: str) -> int:
        name = urlsplit(url).path.rsplit("/", 1)[-1]
        match = self._PAGE_NAME_RE.fullmatch(name)
        return int(match.group(1)) + 1 if match and match.group(1) else 1

    def pager_page(self, link: str, listing_url: str) -> int | None:
        path = urlsplit(link).path
        column_dir = urlsplit(_directory(listing_url)).path
        name = path[len(column_dir) :]
        if not path.startswith(column_dir) or not self._PAGE_NAME_RE.fullmatch(name):
            return None
        return self.page_number(link)

    def article_path(self, column_path: str, article_id: str) -> str:
        return f"{column_path}{article_id[1:7]}/{article_id}.html"

    def __repr__(self) -> str:
        return "TRS_WCM"


class Hanweb(UrlScheme):
    """Hanweb (大汉) JCMS: columns ``/col/col<col>/index.html``, articles
    ``/art/YYYY/M/D/art_<col>_<id>.html`` (the newer JPaaS template:
    ``/col/col<col>/content/content_<id>.html``).

    A column's first page prints its first records in a ``<script
    type="text/xml">`` datastore; further pages are answered by
    ``/module/web/jpage/dataproxy.jsp`` with the parameters the page prints in
    its ``<nextgroup>`` (webid, columnid, unitid …) and ``startrecord``,
    ``endrecord``, ``perpage``: the same XML. This scheme asks for one page per
    request, by GET, so a page's URL says which page of which column it is.

    >>> scheme = Hanweb()
    >>> scheme.article_id("http://h/art/2024/10/14/art_60085_11394426.html")
    'art_60085_11394426'
    >>> scheme.article_id("http://h/jxssthjt/col/col42150/content/content_1951206363677671424.html")
    'content_1951206363677671424'
    >>> scheme.article_id("http://h/col/col60085/index.html") is None
    True
    >>> proxy = "http://h/module/web/jpage/dataproxy.jsp?webid=1&columnid=60085&unitid=7&startrecord=16&endrecord=30&perpage=15"
    >>> scheme.page_number(proxy), scheme.page_number("http://h/col/col60085/index.html")
    (2, 1)
    >>> scheme.listing_page_url(proxy, 3)
    'http://h/module/web/jpage/dataproxy.jsp?webid=1&columnid=60085&unitid=7&startrecord=31&endrecord=45&perpage=15'
    >>> scheme.listing_page_url(proxy, 1)
    'http://h/col/col60085/index.html'
    >>> scheme.column(proxy) == scheme.column("http://h/col/col60085/index.html") == "/col/col60085/index.html"
    True
    >>> scheme.pager_page(proxy, "http://h/col/col60085/index.html")
    2
    >>> scheme.article_path("/col/col60085/", "art_60085_11394426")
    Traceback (most recent call last):
    ...
    ValueError: a Hanweb article path needs its date: use hanweb_article_path
    """

    PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
    _ARTICLE_RE = re.compile(
        r"/art/\d{4}/\d{1,2}/\d{1,2}/(art_\d+_\d+)\.html?$"
        r"|/col/col\d+/content/(content_\d+)\.html?$",
        re.IGNORECASE,
    )
    _COLUMN_RE = re.compile(r"^(.*?/col/col(\d+))/")
    _NUMBER_RE = re.compile(rf"[0-9]{{1,{PAGE_DIGITS_MAX}}}")
    #: Records per page when the page does not say (Hanweb's default).
    DEFAULT_PER_PAGE = 15

    def article_id(self, url: str) -> str | None:
        match = self._ARTICLE_RE.search(urlsplit(url).path)
        return (match.group(1) or match.group(2)).lower() if match else None

    def _query(self, url: str) -> dict[str, str]:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))

    def _int(self, value: str | None, default: int) -> int:
        if value and self._NUMBER_RE.fullmatch(value):
            return int(value)
        return default

    def is_proxy(self, url: str) -> bool:
        return urlsplit(url).path.endswith(self.PROXY_PATH)

    def proxy_url(self, url: str, params: dict[str, str], page: int) -> str:
        """The dataproxy URL of page ``page`` with the column's ``params``."""
        from urllib.parse import urlencode

        per = self._int(params.get("perpage"), self.DEFAULT_PER_PAGE) or 1
        params = {
            k: v
            for k, v in params.items()
            if k not in ("startrecord", "endrecord", "perpage", "page")
        }
        params |= {
            "startrecord": str((page - 1) * per + 1),
            "endrecord": str(page * per),
            "perpage": str(per),
        }
        return urljoin(url, self.PROXY_PATH) + "?" + urlencode(params)

    def listing_page_url(self, url: str, page: int) -> str:
        if self.is_proxy(url):
            params = self._query(url)
            if page <= 1:
                return urljoin(url, f"/col/col{params.get('columnid', '')}/index.html")
            return self.proxy_url(url, params, page)
        match = self._COLUMN_RE.match(urlsplit(url).path)
        first = urljoin(url, f"{match.group(1)}/index.html") if match else url
        if page <= 1:
            return first.split("?", 1)[0]
        column = match.group(2) if match else ""
        return self.proxy_url(url, {"columnid": column}, page)

    def next_page_url(self, listing_url: str, page: int, pager_url: str | None) -> str:
        """A column's first page prints its dataproxy parameters in its
        ``<nextgroup>`` link; later pages carry them in their own URL."""
        if not self.is_proxy(listing_url) and pager_url and self.is_proxy(pager_url):
            return self.proxy_url(listing_url, self._query(pager_url), page)
        return self.listing_page_url(listing_url, page)

    def page_number(self, url: str) -> int:
        if not self.is_proxy(url):
            return 1
        params = self._query(url)
        per = self._int(params.get("perpage"), self.DEFAULT_PER_PAGE) or 1
        start = self._int(params.get("startrecord"), 1)
        return (start - 1) // per + 1

    def pager_page(self, link: str, listing_url: str) -> int | None:
        if not self.is_proxy(link) or self.column(link) != self.column(listing_url):
            return None
        return self.page_number(link)

    def column(self, url: str) -> str:
        return urlsplit(self.listing_page_url(url, 1)).path

    def article_path(self, column_path: str, article_id: str) -> str:
        raise ValueError(
            "a Hanweb article path needs its date: use hanweb_article_path"
        )

    def __repr__(self) -> str:
        return "HANWEB"


def hanweb_article_path(column_id: str, article_id: str, published: str) -> str:
    """``/art/YYYY/M/D/art_<col>_<id>.html`` of an article published on
    ``published`` (``YYYY-MM-DD…``): Hanweb writes the date without zeros.

    >>> hanweb_article_path("60085", "11394426", "2024-03-05 10:00:00")
    '/art/2024/3/5/art_60085_11394426.html'
    """
    year, month, day = (int(part) for part in published[:10].split("-"))
    return f"/art/{year}/{month}/{day}/art_{column_id}_{article_id}.html"


#: The TRS WCM scheme.
TRS_WCM = TrsWcm()
#: The Hanweb (大汉) scheme.
HANWEB = Hanweb()


class Generic(UrlScheme):
    """Any other CMS: no URL says "article" by itself.

    The listing extractor (``lianzhou_news.extract.listing``) takes the main
    list to be the largest group of same-shaped, same-site links with a date
    beside them; every such link's id is its ``item_id``. Pages: ``?page=N``,
    ``index_N.html`` (page N), ``<listing>/N``, and the page's 下一页/next link.

    >>> scheme = Generic()
    >>> scheme.article_id("http://h/jyt/c110634/202511/174240943.shtml")
    '174240943'
    >>> scheme.page_number("http://h/news/list?page=3"), scheme.page_number("http://h/news/plaactlist/2")
    (3, 2)
    >>> scheme.page_number("http://h/a/index_4.html"), scheme.page_number("http://h/a/")
    (4, 1)
    >>> scheme.pager_page("http://h/news/plaactlist/201", "http://h/news/plaactlist")
    201
    >>> scheme.pager_page("http://h/news/list?page=2", "http://h/news/list")
    2
    >>> scheme.pager_page("http://h/news/plaact/86346", "http://h/news/plaactlist") is None
    True
    >>> scheme.listing_page_url("http://h/news/list?page=2", 3)
    'http://h/news/list?page=3'
    >>> scheme.listing_page_url("http://h/a/index_2.html", 1)
    'http://h/a/index.html'
    """

    _PAGE_QUERY_RE = re.compile(rf"(?:^|&)page=([0-9]{{1,{PAGE_DIGITS_MAX}}})(?:&|$)")
    _PAGE_FILE_RE = re.compile(rf"index(?:_([0-9]{{1,{PAGE_DIGITS_MAX}}}))?\.s?html?")
    # A trailing page number has at most 4 digits: longer ones are article ids.
    _TRAILING_RE = re.compile(r"^(.*?)/([0-9]{1,4})$")

    def article_id(self, url: str) -> str | None:
        return cms_document_id(url) or url_hash_id(url)

    def _parts(self, url: str) -> tuple[str, int]:
        """``(the column's key, the page)`` of a listing URL."""
        parts = urlsplit(url)
        if match := self._PAGE_QUERY_RE.search(parts.query):
            return parts.path, int(match.group(1))
        directory, _, name = parts.path.rpartition("/")
        if match := self._PAGE_FILE_RE.fullmatch(name):
            return directory + "/", int(match.group(1) or 1)
        if match := self._TRAILING_RE.match(parts.path):
            return match.group(1), int(match.group(2))
        return parts.path.rstrip("/") if name == "" else parts.path, 1

    def listing_page_url(self, url: str, page: int) -> str:
        parts = urlsplit(url)
        if self._PAGE_QUERY_RE.search(parts.query):
            query = self._PAGE_QUERY_RE.sub(
                lambda m: m.group(0).replace(m.group(1), str(page)), parts.query
            )
            return parts._replace(query=query).geturl()
        directory, _, name = parts.path.rpartition("/")
        if self._PAGE_FILE_RE.fullmatch(name) or name == "":
            file = "index.html" if page <= 1 else f"index_{page}.html"
            return urljoin(url, f"{directory}/{file}")
        if match := self._TRAILING_RE.match(parts.path):
            return urljoin(url, f"{match.group(1)}/{page}")
        return url if page <= 1 else f"{url.split('?', 1)[0]}?page={page}"

    def next_page_url(self, listing_url: str, page: int, pager_url: str | None) -> str:
        """The page's own 下一页/next link when it printed one."""
        if pager_url and self.pager_page(pager_url, listing_url) == page:
            return pager_url
        return self.listing_page_url(listing_url, page)

    def page_number(self, url: str) -> int:
        return self._parts(url)[1]

    def pager_page(self, link: str, listing_url: str) -> int | None:
        key, page = self._parts(link)
        return (
            page if key.rstrip("/") == self._parts(listing_url)[0].rstrip("/") else None
        )

    def column(self, url: str) -> str:
        return self._parts(url)[0]

    def article_path(self, column_path: str, article_id: str) -> str:
        return f"{column_path}{article_id}.html"

    def __repr__(self) -> str:
        return "GENERIC"


#: The generic rule, for CMS families without a scheme of their own.
GENERIC = Generic()


#: The families ``detect_scheme`` chooses from, most specific first.
KNOWN_SCHEMES: tuple[UrlScheme, ...] = (GUANGDONG_PLATFORM, TRS_WCM, HANWEB)
#: The fewest article links that name a family.
DETECT_MIN_LINKS = 3
_HANWEB_MARKERS = ("<datastore>", "/module/web/jpage/", "var listData")


def detect_scheme(links: list[str], text: str = "") -> UrlScheme:
    """The family whose article URLs most of a listing page's ``links`` are
    (absolute, same-site); GENERIC when none has ``DETECT_MIN_LINKS``.
    ``text``: the page's source, where Hanweb keeps its records.

    >>> detect_scheme(["http://h/a/202403/t20240315_%d.html" % n for n in range(5)])
    TRS_WCM
    >>> detect_scheme(["http://h/a/content/post_%d.html" % n for n in range(5)])
    GUANGDONG_PLATFORM
    >>> detect_scheme([], "<script type='text/xml'><datastore>")
    HANWEB
    >>> detect_scheme(["http://h/news/1", "http://h/about/"])
    GENERIC
    """
    counts = [
        (sum(scheme.article_id(link) is not None for link in links), -rank, scheme)
        for rank, scheme in enumerate(KNOWN_SCHEMES)
    ]
    count, _, best = max(counts, key=lambda c: c[:2])
    if count >= DETECT_MIN_LINKS:
        return best
    if any(marker in text for marker in _HANWEB_MARKERS):
        return HANWEB
    return GENERIC
