"""连州市融媒体中心 news on the Lianzhou government portal."""

from .base import PlatformNewsSpider


class LianzhouSpider(PlatformNewsSpider):
    name = "lianzhou"
    site_name = "连州市融媒体中心"
    # The portal's home page: its columns are discovered there (menu, 更多
    # links, headline blocks; lianzhou_news/discovery.py), so a first run
    # needs no column URL. No live page of the portal has been seen (docs/site.md):
    # if discovery finds nothing, pass listing pages with -a start_urls.
    default_start_urls = ("https://www.lianzhou.gov.cn/",)
