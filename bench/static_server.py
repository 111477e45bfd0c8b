"""A fast static file server for benchmarks (aiohttp, in its own process).

    python bench/static_server.py DIR PORT

Serves DIR on 127.0.0.1:PORT; prints "ready" once listening. Python's
http.server would be the bottleneck of a throughput benchmark; aiohttp is not.
"""

import sys

from aiohttp import web


def main() -> None:
    directory, port = sys.argv[1], int(sys.argv[2])
    app = web.Application()
    app.router.add_static("/", directory, show_index=False, follow_symlinks=False)
    print("ready", flush=True)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main()
