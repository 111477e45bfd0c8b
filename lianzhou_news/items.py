"""The article item (schema version 2), its JSON Schema, and the check of an item against it.

One item is one article, written as one JSON object per line. Every field is
always present (``null``, ``[]`` or ``{}`` when the page does not have it), so
analysts get the same columns on every line. No article is lost to one field:
a page without a title, a time or a body text is still emitted, the field
null and ``quality`` saying why (``title:missing`` …). The JSON Schema in
``lianzhou_news/schema/article.schema.json`` is the machine-readable contract;
this module is the human-readable one, and a test keeps the two in step.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import fastjsonschema
import scrapy
from jsonschema import Draft202012Validator

SCHEMA_VERSION = 2


class ArticleItem(scrapy.Item):
    #: int, always 2 for this layout. Bumped whenever a field changes meaning
    #: (2: title, timestamp and body may be null, flagged in ``quality``;
    #: ``article_id`` exists on any URL).
    schema_version = scrapy.Field()
    #: str: the platform's post id (the digits of ``content/post_<id>.html``),
    #: else the CMS's document id in the file name (``t20240315_123456``,
    #: ``art_60085_11394426``, a trailing number), else ``url_`` and a hash of
    #: the canonical URL (``UrlScheme.item_id``). Stable across runs, unique per
    #: site: the key for de-duplication (a mirror path or a second column is the
    #: same article). null only with ``article_id:missing`` (never so far).
    article_id = scrapy.Field()
    #: str: the absolute URL the article was fetched from.
    url = scrapy.Field()
    #: str: the publisher, e.g. ``连州市融媒体中心`` (the spider's ``site_name``).
    site = scrapy.Field()
    #: str or null: the column (栏目) the article belongs to, e.g. ``连州要闻``;
    #: from the page's ColumnName meta or breadcrumb, else the listing it was on.
    channel = scrapy.Field()
    #: str or null: the headline, cleaned (no pinyin, no site suffix), script
    #: kept; null with ``title:missing`` when the page shows none.
    title = scrapy.Field()
    #: str or null: the 来源 of the info line, e.g. ``南方+``.
    source = scrapy.Field()
    #: str: ISO 8601 with seconds and always ``+08:00``, e.g.
    #: ``2023-03-22T17:01:12+08:00``. Midnight when only the day is known. null
    #: with ``timestamp:missing`` when the page prints no readable time, or
    #: ``timestamp:no_year`` when it prints a day whose year nothing gives (the
    #: year is never taken from the clock).
    timestamp = scrapy.Field()
    #: str or null: ``day``, ``minute`` or ``second``: what the page really
    #: said; null with the timestamp.
    timestamp_precision = scrapy.Field()
    #: str or null: the time exactly as printed on the page.
    timestamp_raw = scrapy.Field()
    #: str or null: the article text, one paragraph per line, joined by
    #: ``\n``; null with ``body:missing`` (an image-only article). Without
    #: page chrome, the info line, ``- THE END -``, credit lines and image
    #: placeholders; photo captions stay (minus their ``XX 摄`` credit).
    body = scrapy.Field()
    #: list of ``{"url": str, "alt": str or null}``: images of the article body,
    #: absolute URLs percent-encoded as browsers send them (w3lib's
    #: ``safe_url_string``), in page order; one that still is not a usable URL
    #: is dropped alone, flagged ``images:dropped``.
    images = scrapy.Field()
    #: object: role -> list of names, e.g. ``{"reporter": ["黄滢", "袁安杰"]}``.
    #: Roles: reporter 记者, editor 编辑/责任编辑, proofreader 校对, reviewer
    #: 审核/一审/二审/三审, photographer 摄影/摄, correspondent 通讯员, writer
    #: 撰写/文, designer 海报/设计, videographer 视频/摄像, producer 策划/统筹/监制,
    #: translator 翻译. Only roles that appear are present.
    credits = scrapy.Field()
    #: list of str: the credit lines exactly as printed (after cleaning).
    credits_raw = scrapy.Field()
    #: str: ``zh-Hans`` (Simplified), ``zh-Hant`` (Traditional), or ``zh`` when
    #: the text has no script-specific character. Text keeps its script.
    lang = scrapy.Field()
    #: list of str: what is missing or damaged, as ``<field>:<flag>``:
    #: ``title:missing``, ``timestamp:missing``, ``timestamp:no_year``,
    #: ``body:missing``, ``article_id:missing``, ``images:dropped``,
    #: ``<field>:mojibake``, ``page:truncated``. Empty for a clean page.
    quality = scrapy.Field()
    #: object: which extraction layer gave each value. ``title``: ``selector``,
    #: ``meta``, ``info_line``, ``heading`` or ``title_tag``; ``timestamp``:
    #: ``info_line``, ``meta``, ``time_element``, ``near_title`` or ``page_line``;
    #: ``body``: ``selector``, ``container`` or ``density``; ``encoding`` only when
    #: the page was re-decoded, e.g. ``utf-8 (declared gb18030)``.
    provenance = scrapy.Field()
    #: object or null: null unless ``LIANZHOU_SIMPLIFIED`` asks for conversion.
    #: ``alongside``: ``{"title", "source", "channel", "body", "credits"}`` in
    #: Simplified script (OpenCC t2s), the fields above untouched; ``replace``:
    #: ``{"converted_from": "zh-Hant"}`` and the fields above converted.
    simplified = scrapy.Field()
    #: int: 1 for an article first emitted, then +1 each time its content
    #: (title, source, timestamp, body, credits, images) changes. null only
    #: outside a crawl (``python -m lianzhou_news.extract``).
    version = scrapy.Field()
    #: str: ``new`` or ``updated`` (unchanged articles are not emitted); null
    #: outside a crawl.
    change = scrapy.Field()
    #: str: when the page was fetched, ISO 8601 in UTC, e.g. ``2026-11-27T10:48:00Z``.
    crawled_at = scrapy.Field()


#: Value for fields a page does not provide, so every line has every column.
FIELD_DEFAULTS = {
    "article_id": None,
    "channel": None,
    "source": None,
    "timestamp": None,
    "timestamp_precision": None,
    "timestamp_raw": None,
    "images": [],
    "credits": {},
    "credits_raw": [],
    "quality": [],
    "provenance": {},
    "simplified": None,
    "version": None,
    "change": None,
}

#: The order of columns in the output, the schema's own order.
FIELD_ORDER = list(ArticleItem.fields)


@lru_cache(maxsize=1)
def article_schema() -> dict:
    """The JSON Schema (draft 2020-12) every emitted item satisfies."""
    text = (
        resources.files("lianzhou_news")
        .joinpath("schema/article.schema.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(article_schema())


@lru_cache(maxsize=1)
def _compiled_check():
    """The schema compiled to Python by fastjsonschema: ~40x faster than
    jsonschema on a valid item, which is nearly every item. It only says
    whether an item is valid; jsonschema stays the authority on what is wrong
    (``tests/test_schema.py`` checks both agree). ``use_default=False``: a
    check never fills in or changes an item."""
    return fastjsonschema.compile(article_schema(), use_default=False)


def schema_errors(item) -> list[str]:
    """Every way ``item`` breaks the article schema, as readable strings."""
    # Values are plain JSON types already: a shallow dict, and none made again
    # for one the validation pipeline has just made.
    data = item if isinstance(item, dict) else dict(item)
    try:
        _compiled_check()(data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass  # invalid: jsonschema below says every way, in readable terms
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(item)'}: {e.message}"
        for e in sorted(
            _validator().iter_errors(data), key=lambda e: list(e.absolute_path)
        )
    ]
