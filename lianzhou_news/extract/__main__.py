"""The command line: the item the spider would produce for a saved page.

python -m lianzhou_news.extract PAGE.html --url URL
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..items import FIELD_ORDER, ArticleItem, schema_errors
from .article import extract_article
from .decoding import response_from_file


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
    errors = schema_errors(item)
    for error in errors:
        print(f"invalid item: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
