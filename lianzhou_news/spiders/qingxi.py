"""青溪县融媒体中心: the offline TRS WCM-style county (localsite/trs.py).

An invented county, so that a TRS county is proven end to end: the whole
spider is its name, its publisher and its family's URL scheme. The default
start URL is a placeholder; crawls pass ``-a start_urls``.
"""

from ..schemes import TRS_WCM
from .base import PlatformNewsSpider


class QingxiSpider(PlatformNewsSpider):
    name = "qingxi"
    site_name = "青溪县融媒体中心"
    url_scheme = TRS_WCM
    default_start_urls = ("https://www.qingxi.example/xwzx/qxyw/",)
