"""连州市融媒体中心 news on the Lianzhou government portal."""

from .base import PlatformNewsSpider


class LianzhouSpider(PlatformNewsSpider):
    name = "lianzhou"
    site_name = "连州市融媒体中心"
    # Best guesses: no live page of these columns has been seen (docs/site.md). The
    # first is the column of the one article URL that has been seen.
    default_start_urls = (
        "https://www.lianzhou.gov.cn/zglzsw/sj/",
        "https://www.lianzhou.gov.cn/zwgk/lzyw/",
        "https://www.lianzhou.gov.cn/zwgk/zwyw/",
    )
