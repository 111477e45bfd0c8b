"""Conditional refetches: send back the ``ETag`` and ``Last-Modified`` a page came with, and let a 304 cost nothing.

A county portal's pages are static files; its server answers a revisit with
``304 Not Modified`` and no body when the request carries the validators of
the copy it has (``If-None-Match``, ``If-Modified-Since``). The state keeps
them per URL (``StateStoreProtocol.validators`` / ``save_validators``), and
``ConditionalRequests`` puts them on the article refetches and listing
revisits that the spider marks ``lianzhou_conditional`` (never in a ``full``
walk, whose point is to read everything again).

What a 304 means, and why nothing is lost by trusting it:

- **An article**: unchanged since the copy the state holds. Its validators are
  saved only when that copy is settled in the state: once its line is on disk
  and recorded (``StateRecorder``), or when change tracking found it unchanged.
  Until then they wait here (``Revalidation.offer``), so a run killed between
  fetch and record leaves no validator that could hide the article next time.
- **A listing page**: the same links as when it was last read. The page's
  links and pager are saved with its validators, and a 304 replays them
  (``Revalidation.listing``): articles the state does not know are still
  fetched, and the column's walk goes on exactly as if the page had been read.

A 304 to a request that carried no validators (or validators the state does
not hold) is a broken or hostile server, not an unchanged page: the spider
counts it as a failure and names it in the report.

Scrapy's ``HttpCacheMiddleware`` with ``RFC2616Policy`` revalidates the same
way, but it keeps a full copy of every page on disk and turns each 304 back
into a 200 that is extracted again; the state already knows what an article
said, so this keeps only two short strings per URL.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.http import Response

from .extract.listing import Listing, ListingEntry

if TYPE_CHECKING:
    from .run import RunContext

#: Request meta: the spider asks for a conditional request.
ASK = "lianzhou_conditional"
#: Request meta set here: the validators the request carried.
SENT = "lianzhou_validators_sent"
#: Request meta set here: the validators a 200 response came with, as
#: ``[etag, last_modified]`` (JSON: a fleet stores requests in Redis).
RECEIVED = "lianzhou_validators_received"

#: Longest validator kept: a server's ETag is an opaque short string; a
#: longer one is no validator worth a row (and never echoed back).
VALIDATOR_MAX = 200


@dataclass(frozen=True)
class Validators:
    """What a page's response said about its version, and for a listing page, what it listed."""

    etag: str | None
    last_modified: str | None
    #: A listing page's links and pager (``listing_to_json``), or None.
    listing: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def validators_of(response: Response) -> Validators | None:
    """The ``ETag`` and ``Last-Modified`` of a response, or None when it has neither usable."""

    def header(name: str) -> str | None:
        raw = response.headers.get(name)
        if not raw:
            return None
        value = raw.decode("latin-1").strip()
        # Printable ASCII only: a value with control characters would be sent
        # back in a header, and a long one is no validator.
        if not value or len(value) > VALIDATOR_MAX:
            return None
        return value if value.isascii() and value.isprintable() else None

    etag, last_modified = header("ETag"), header("Last-Modified")
    if etag is None and last_modified is None:
        return None
    return Validators(etag, last_modified)


def wire_size(response: Response) -> int:
    """Bytes of a response as received: status line, headers and body, as
    Scrapy's ``downloader/response_bytes`` counts them (to a few bytes)."""
    headers = sum(
        len(name) + len(value) + 4  # ": " and CRLF
        for name, values in response.headers.items()
        for value in values
    )
    return len(response.body) + headers + len(str(response.status)) + 15


def listing_to_json(listing: Listing) -> str:
    """A listing page's links and pager, as the state keeps them."""
    return json.dumps(
        {
            "entries": [asdict(entry) for entry in listing.entries],
            "total_pages": listing.total_pages,
            "declared_items": listing.declared_items,
            "page_numbers": sorted(listing.page_numbers),
            "channel": listing.channel,
            "pager_url": listing.pager_url,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def listing_from_json(text: str) -> Listing:
    data = json.loads(text)
    return Listing(
        entries=[ListingEntry(**entry) for entry in data["entries"]],
        total_pages=data["total_pages"],
        declared_items=data["declared_items"],
        page_numbers=set(data["page_numbers"]),
        channel=data["channel"],
        # Hanweb's next page is the dataproxy link the page printed.
        pager_url=data.get("pager_url"),
    )


class Revalidation:
    """One run's side of conditional requests: validators waiting for their
    article to be settled, and the saved listing a 304 stands for."""

    def __init__(self, run: RunContext):
        self.run = run
        #: Article URL -> the validators its 200 came with, until the article
        #: is recorded or found unchanged (``settled``).
        self.pending: dict[str, Validators] = {}

    def stored(self, url: str) -> Validators | None:
        store = self.run.store
        return None if store is None else store.validators(url)

    def offer(self, url: str, validators: Validators) -> None:
        """An article's 200: keep its validators until the article is settled."""
        self.pending[url] = validators

    def settled(self, url: str) -> None:
        """The article at ``url`` is in the state as fetched: save its validators."""
        validators = self.pending.pop(url, None)
        store = self.run.store
        if validators is not None and store is not None:
            store.save_validators(url, validators)

    def listing_read(self, response: Response, listing: Listing) -> None:
        """A listing page was read: save its validators with what it listed."""
        received = response.meta.get(RECEIVED)
        validators = None if received is None else Validators(*received)
        store = self.run.store
        if validators is None or store is None:
            return
        store.save_validators(
            response.url,
            Validators(
                validators.etag, validators.last_modified, listing_to_json(listing)
            ),
        )

    def listing(self, response: Response) -> Listing | None:
        """What a listing page that answered 304 lists: the links saved when it
        was last read, or None when the request carried no validators the
        state holds for a listing (a 304 nobody asked for)."""
        if not response.meta.get(SENT):
            return None
        return self.saved_listing(response.url)

    def has_listing(self, url: str) -> bool:
        """Whether the state holds a listing page's links for ``url``."""
        validators = self.stored(url)
        return validators is not None and validators.listing is not None

    def saved_listing(self, url: str) -> Listing | None:
        """The links a listing page had when last read, or None."""
        validators = self.stored(url)
        if validators is None or validators.listing is None:
            return None
        return listing_from_json(validators.listing)

    @staticmethod
    def asked(response: Response) -> bool:
        """Whether the request of this 304 carried validators."""
        return bool(response.meta.get(SENT))


class ConditionalRequests:
    """Downloader middleware: validators on the requests the spider marks, and
    the validators of their 200 responses kept for the state.

    Counts ``lianzhou/conditional/sent``, ``lianzhou/conditional/not_modified``
    (with ``/listing`` and ``/article``), ``lianzhou/conditional/unasked_304``,
    and the bytes received per kind, ``lianzhou/conditional/bytes/<kind>``.
    ``LIANZHOU_CONDITIONAL_REQUESTS = False`` turns it off.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.enabled = crawler.settings.getbool("LIANZHOU_CONDITIONAL_REQUESTS", True)
        from .run import RunContext  # run.py imports this module

        self.run = RunContext.of(crawler)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request, spider=None):
        if not (self.enabled and request.meta.get(ASK)):
            return None
        if SENT in request.meta or "If-None-Match" in request.headers:
            return None  # a retry or redirect hop of a request handled already
        validators = self.run.revalidation.stored(request.url)
        request.meta[SENT] = validators is not None
        if validators is None:
            return None
        for name, value in validators.headers().items():
            request.headers[name] = value
        self.stats.inc_value("lianzhou/conditional/sent")
        return None

    def process_response(self, request: Request, response: Response, spider=None):
        kind = request.meta.get("lianzhou_kind")
        if kind not in ("listing", "article"):
            return response
        # What each kind of page cost on the wire, 304 or not (bench/).
        self.stats.inc_value(f"lianzhou/conditional/bytes/{kind}", wire_size(response))
        if response.status == 304:
            if request.meta.get(SENT):
                self.stats.inc_value("lianzhou/conditional/not_modified")
                self.stats.inc_value(f"lianzhou/conditional/not_modified/{kind}")
            else:
                self.stats.inc_value("lianzhou/conditional/unasked_304")
            return response
        if response.status == 200 and self.enabled:
            validators = validators_of(response)
            if validators is not None:
                request.meta[RECEIVED] = [validators.etag, validators.last_modified]
                if kind == "article":
                    self.run.revalidation.offer(response.url, validators)
        return response
