"""Run a Scrapy command line in this process and record its wall time and peak RSS.

python bench/_measure.py RESULT.json scrapy crawl ... | scrapy runspider ...
"""

import atexit
import json
import resource
import sys
import time

result_path = sys.argv[1]
started = time.perf_counter()


@atexit.register
def _record() -> None:
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    with open(result_path, "w") as handle:
        json.dump(
            {"seconds": time.perf_counter() - started, "peak_rss_mb": peak_kib / 1024},
            handle,
        )


sys.argv = sys.argv[2:]
from scrapy.cmdline import execute  # noqa: E402 - after the clock starts

execute()
