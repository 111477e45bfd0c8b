"""ArticleLoader: the seam between what the extractor finds and the item.

The extractor (``extract.py``) decides *where* each value is on the page; the
loader's processors decide *how* a found value is cleaned. A county whose skin
needs a quirk handled subclasses the loader and names it in its spider's
``loader_class``, e.g.::

    class QingxinLoader(ArticleLoader):
        title_in = MapCompose(strip_site_suffix, *ArticleLoader.title_in.functions)
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
