"""石岭县融媒体中心: the offline Hanweb (大汉)-style county (localsite/hanweb.py).

An invented county, so that a Hanweb county is proven end to end: the whole
spider is its name, its publisher and its family's URL scheme. The default
start URL is a placeholder; crawls pass ``-a start_urls``.
"""

from ..schemes import HANWEB
from .base import PlatformNewsSpider


class ShilingSpider(PlatformNewsSpider):
    name = "shiling"
    site_name = "石岭县融媒体中心"
    url_scheme = HANWEB
    default_start_urls = ("https://www.shiling.example/col/col60085/index.html",)
