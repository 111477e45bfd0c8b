"""Pure extraction: ``Response -> item`` (``extract_article``) and ``Response -> listing`` (``extract_listing``).

* ``blocks``: a page read as a reader sees it (blocks, meta tags, breadcrumb);
* ``decoding``: the response for saved bytes, and the repair of wrong charsets;
* ``article``: the article item, layer by layer (info line, title, body, time);
* ``listing``: a listing page's article links, dates and pager;
* ``__main__``: ``python -m lianzhou_news.extract PAGE.html --url URL`` prints
  the item the spider would produce for a saved page.

Nothing here imports the pipelines or knows about a crawl; the URL scheme
comes from ``lianzhou_news.schemes``.
"""

from .article import SIBLING_BODY_CONTAINERS, SiteSelectors, extract_article
from .decoding import fix_decoding, response_from_file
from .listing import Listing, ListingEntry, extract_listing

__all__ = [
    "SIBLING_BODY_CONTAINERS",
    "Listing",
    "ListingEntry",
    "SiteSelectors",
    "extract_article",
    "extract_listing",
    "fix_decoding",
    "response_from_file",
]
