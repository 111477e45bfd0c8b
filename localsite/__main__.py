"""Build the offline site and serve it until interrupted: for poking at it by hand."""

import argparse
import tempfile
import time
from pathlib import Path

from . import build_site, serve
from .build import start_urls

parser = argparse.ArgumentParser(prog="python -m localsite")
parser.add_argument(
    "directory", nargs="?", help="where to build the site (default: a temp dir)"
)
parser.add_argument(
    "--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)"
)
args = parser.parse_args()
directory = Path(args.directory or tempfile.mkdtemp(prefix="lianzhou-site-"))
build_site(directory)
with serve(directory, args.port) as site:
    print(f"serving {directory} at {site.base_url}; start URLs:")
    for url in start_urls(site.base_url):
        print(f"  {url}")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
