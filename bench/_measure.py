"""Run a Scrapy command line in this process; record wall time, CPU time and peak memory.

python bench/_measure.py RESULT.json scrapy crawl ... | scrapy runspider ...

Peak memory is reported twice: the peak RSS of this process alone
(``peak_rss_mb``), and the peak of the memory of this process and every
process it started (``peak_tree_mb``), sampled every 0.25 s as the sum of
their PSS: extraction workers count towards what a crawl costs, and pages
they share with the process they were forked from count once, not per process
(a sum of RSS would count the shared interpreter and libraries in each).
"""

import atexit
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path


def _tree_pss_kib(root: int) -> int:
    """Proportional set size of ``root`` and all its descendants, from /proc."""
    pids, total = [root], 0
    while pids:
        pid = pids.pop()
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                children = Path(f"/proc/{pid}/task/{task}/children").read_text()
                pids.extend(int(child) for child in children.split())
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError):
            continue  # the process ended meanwhile
    return total


def main() -> None:
    result_path = sys.argv[1]
    started = time.perf_counter()
    peak_tree = [0]

    def sample() -> None:
        while True:
            peak_tree[0] = max(peak_tree[0], _tree_pss_kib(os.getpid()))
            time.sleep(0.25)

    if Path("/proc/self/smaps_rollup").is_file():
        threading.Thread(target=sample, daemon=True).start()

    @atexit.register
    def _record() -> None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        peak_kib = usage.ru_maxrss  # KiB on Linux
        with open(result_path, "w") as handle:
            json.dump(
                {
                    "seconds": time.perf_counter() - started,
                    "cpu_seconds": usage.ru_utime + usage.ru_stime,
                    "peak_rss_mb": peak_kib / 1024,
                    # Without /proc: this process's RSS, as the best stand-in.
                    "peak_tree_mb": (peak_tree[0] or peak_kib) / 1024,
                },
                handle,
            )

    sys.argv = sys.argv[2:]
    from scrapy.cmdline import execute  # after the clock starts

    execute()


# Guarded: extraction workers start with forkserver/spawn, which import the
# main module again; unguarded, each would run the crawl once more.
if __name__ == "__main__":
    main()
