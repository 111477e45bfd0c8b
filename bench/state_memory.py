"""Peak memory and speed of the state store as it grows (the 50,000-article lookup run).

    .venv/bin/python bench/state_memory.py [--sizes 1000,5000,20000,50000]

Each size runs in a fresh process: record N articles (as a crawl does, one
committed, fsynced row each), then look every one of them up (as an
incremental run does for each listed link). Printed: peak RSS (goal: under
250 MB and flat as N grows), and microseconds per record and per lookup,
beside a baseline measured in the same run: the same rows in a plain Python
dict (what an in-memory dedupe costs, and the floor a store can approach).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, tempfile, time
sys.path.insert(0, sys.argv[2])
from lianzhou_news.state import StateStore
n = int(sys.argv[1])
with tempfile.TemporaryDirectory() as d:
    store = StateStore(d, "bench")
    t = time.perf_counter()
    for i in range(n):
        store.record(str(3_000_000 + i), f"http://h/content/post_{i}.html", "0" * 64, 1, "bench")
    record = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(n):
        assert store.known(str(3_000_000 + i)) is not None
    lookup = time.perf_counter() - t
    store.close()
table = {}
t = time.perf_counter()
for i in range(n):
    table[str(3_000_000 + i)] = (f"http://h/content/post_{i}.html", "0" * 64, 1)
dict_record = time.perf_counter() - t
t = time.perf_counter()
for i in range(n):
    assert str(3_000_000 + i) in table
dict_lookup = time.perf_counter() - t
print(json.dumps({"n": n, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
  "record_us": record / n * 1e6, "lookup_us": lookup / n * 1e6,
  "dict_record_us": dict_record / n * 1e6, "dict_lookup_us": dict_lookup / n * 1e6}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,20000,50000")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores")
    print(
        f"{'articles':>9} {'peak MB':>8} {'record µs':>10} {'lookup µs':>10} {'dict lookup µs':>15} {'lookup ratio':>13}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(size), str(ROOT)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        r = json.loads(out)
        print(
            f"{r['n']:>9} {r['peak_mb']:>8.1f} {r['record_us']:>10.1f} {r['lookup_us']:>10.1f} "
            f"{r['dict_lookup_us']:>15.2f} {r['lookup_us'] / r['dict_lookup_us']:>12.0f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
