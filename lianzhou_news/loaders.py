"""ArticleLoader: the seam between what the extractor finds and the item.

The extractor (``lianzhou_news.extract``) decides *where* each value may be on
the page; the loader's processors decide *how* a found value is cleaned, and
whether it is taken at all. For ``title``, ``source`` and ``channel`` the
extractor offers the loader every candidate it found, best first (e.g. the
``ArticleTitle`` meta, the line above the info line, a heading, the
``<title>``), one ``add_value`` each, until one survives the field's input
processors; ``TakeFirst`` keeps it. An input processor mends a candidate by
returning another value and rejects it by returning None, and the next
candidate is offered; the item's ``provenance`` names the layer of the one
kept. With this loader the first candidate always survives.

The other fields have no alternatives to offer, so they are added once, as
found: ``timestamp``, ``timestamp_precision`` and ``timestamp_raw`` are one
reading (the info line and the meta tags are merged before, and the three
must agree); ``body``, ``images``, ``credits`` and ``credits_raw`` are built
line by line from the body container; ``article_id`` comes from the spider's
URL scheme, ``site`` from the spider, ``provenance`` and ``crawled_at`` from
the extraction itself.

A county whose skin needs a quirk handled subclasses the loader and names it
in its spider's ``loader_class`` (``spiders/lianshan.py`` does):

>>> from itemloaders.processors import MapCompose
>>> from lianzhou_news.text.cleaning import strip_site_suffix
>>> class QingxinLoader(ArticleLoader):
...     title_in = MapCompose(strip_site_suffix, *ArticleLoader.title_in.functions)
>>> loader = QingxinLoader()
>>> _ = loader.add_value("title", "清新区召开全会_清远市清新区人民政府")
>>> loader.load_item()["title"]
'清新区召开全会'
"""

from __future__ import annotations

from itemloaders.processors import Identity, Join, MapCompose, TakeFirst
from scrapy.loader import ItemLoader

from .items import ArticleItem
from .text.cleaning import clean_text


def _drop_empty(value):
    return value or None


class ArticleLoader(ItemLoader):
    default_item_class = ArticleItem
    default_output_processor = TakeFirst()

    title_in = MapCompose(clean_text, _drop_empty)
    source_in = MapCompose(clean_text, _drop_empty)
    channel_in = MapCompose(clean_text, _drop_empty)
    timestamp_raw_in = MapCompose(clean_text, _drop_empty)

    # Body lines are cleaned one by one, then joined: one paragraph per line.
    body_in = MapCompose(clean_text, _drop_empty)
    body_out = Join("\n")

    credits_raw_in = MapCompose(clean_text, _drop_empty)
    credits_raw_out = Identity()
    images_out = Identity()
    quality_out = Identity()
