"""A spider for tests/test_extract_pool.py whose extraction workers die on one page.

Its loader ends the process that cleans the title named by the environment
variable ``LIANZHOU_TEST_KILL_TITLE``, but only inside an extraction worker:
the same page kills every worker it is given to, as a page that crashes the
parser or exhausts memory would. Without the variable it is the lianzhou
spider under another name.
"""

from __future__ import annotations

import multiprocessing
import os

from itemloaders.processors import MapCompose

from lianzhou_news.loaders import ArticleLoader
from lianzhou_news.spiders.lianzhou import LianzhouSpider


def _die_on_the_marked_title(value: str) -> str:
    marked = os.environ.get("LIANZHOU_TEST_KILL_TITLE")
    if marked and marked in value and multiprocessing.parent_process() is not None:
        os._exit(1)
    return value


class KillingLoader(ArticleLoader):
    title_in = MapCompose(_die_on_the_marked_title, *ArticleLoader.title_in.functions)


class KillingSpider(LianzhouSpider):
    name = "lianzhou_killing"
    loader_class = KillingLoader
