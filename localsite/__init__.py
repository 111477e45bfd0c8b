"""The bundled offline copy of the site: its content, its builder, its server.

``build_site(directory)`` writes the static copy; ``serve(directory)`` serves
it on 127.0.0.1 over real HTTP. ``make demo`` and the end-to-end tests use
both; nothing here is used by a crawl of the live site, and this package
lives beside ``lianzhou_news`` rather than in it, so the wheel leaves it out.
"""

from .build import build_site
from .server import LocalSite, serve

__all__ = ["LocalSite", "build_site", "serve"]
