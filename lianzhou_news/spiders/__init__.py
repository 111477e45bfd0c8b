"""Spiders: one thin subclass of ``base.PlatformNewsSpider`` per county site."""
