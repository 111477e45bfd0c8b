"""连山壮族瑶族自治县融媒体中心 news on the Lianshan county portal.

A sibling county on the same provincial platform: the same URL scheme, its
own skin. Proof that a county is a few lines of configuration.
"""

from .base import PlatformNewsSpider


class LianshanSpider(PlatformNewsSpider):
    name = "lianshan"
    site_name = "连山壮族瑶族自治县融媒体中心"
    # Best guess, never seen live: the platform's scheme applied to Lianshan.
    default_start_urls = ("https://www.lianshan.gov.cn/zwgk/lsyw/",)
