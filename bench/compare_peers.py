"""Per-field accuracy (and time per page) of lianzhou_news, GNE and trafilatura.

    .venv/bin/python bench/compare_peers.py [--limit N]

Runs the three extractors on the same pages:

* the golden corpus (tests/fixtures/lianzhou and tests/fixtures/variants): every
  field scored exactly against the reviewed expected item;
* the labelled real pages, field by field (``evaluation.score_labelled``, the
  rule of the accuracy gate): 11 government-portal articles (tests/fixtures/gov:
  title, source, day, time of day, first and last paragraph, credits) and 15
  news pages (tests/fixtures/real: title, day, time, the body's first and last
  words).

What counts as right is what an analyst needs, the same for every extractor:
``timestamp`` is right only as an unambiguous instant (an aware datetime equal
to the expected one); ``day`` is right when the calendar day matches however it
is written; ``body`` is right when its paragraphs equal the expected ones
(whitespace folded); ``credits`` only counts pages that print credits. A peer
that does not produce a field scores 0 on it. Time is the median wall time per
page of each extractor on this machine, in the same run.

Read the numbers with their bias in mind: the golden corpus is made of our own
template variants, and the real pages were the development set of the
generic extraction path (their labels found bugs that were then fixed), so
none is a held-out test of ours. They are the same pages for all three.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lianzhou_news.evaluation import (  # noqa: E402
    LABELLED_FIELDS,
    GoldenCase,
    load_cases,
    load_labelled,
    score_labelled,
    spider_class,
)
from lianzhou_news.extract import extract_article  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN_FIELDS = ("title", "source", "timestamp", "day", "body", "credits")
REAL_FIELDS = ("title", "day", "time", "body_first", "body_last")


def ours(response, case_meta=None) -> dict:
    meta = case_meta or {}
    # As the case's spider extracts it (a real page: as the lianzhou spider would).
    spider = spider_class(meta.get("spider", "lianzhou"))
    item = extract_article(
        response,
        now=datetime.fromisoformat(
            meta.get("fetched_at", "2026-11-27T02:00:00Z").replace("Z", "+00:00")
        ),
        site=spider.site_name,
        listing_channel=meta.get("listing_channel"),
        listing_date=meta.get("listing_date"),
        selectors=spider.selectors,
        loader_class=spider.loader_class,
        scheme=spider.url_scheme,
    )
    return {
        "title": item["title"],
        "source": item["source"],
        "timestamp": item["timestamp"],
        "timestamp_precision": item["timestamp_precision"],
        "body": item["body"],
        "credits": item["credits"],
    }


def gne(response, case_meta=None) -> dict:
    from gne import GeneralNewsExtractor

    # GNE takes decoded HTML; give it Scrapy's decoding, the most favourable.
    result = GeneralNewsExtractor().extract(response.text)
    return {
        "title": result.get("title") or None,
        "source": None,
        "timestamp": result.get("publish_time") or None,
        "body": result.get("content") or None,
        "credits": {"writer": [result["author"]]} if result.get("author") else {},
    }


def trafilatura_(response, case_meta=None) -> dict:
    import trafilatura

    document = trafilatura.bare_extraction(
        response.body, url=response.url, with_metadata=True
    )
    data = document.as_dict() if document is not None else {}
    return {
        "title": data.get("title"),
        "source": None,
        "timestamp": data.get("date"),
        "body": data.get("text"),
        "credits": {"writer": [data["author"]]} if data.get("author") else {},
    }


EXTRACTORS = {"lianzhou_news": ours, "gne": gne, "trafilatura": trafilatura_}


def _paragraphs(text: str | None) -> list[str]:
    return [
        re.sub(r"\s+", " ", line).strip()
        for line in (text or "").split("\n")
        if line.strip()
    ]


def _instant(value):
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return parsed if parsed and parsed.tzinfo else None


def _day(value) -> str | None:
    match = re.search(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})", value or "")
    return "{}-{:02d}-{:02d}".format(*map(int, match.groups())) if match else None


def score_golden(got: dict, expected: dict) -> dict[str, bool | None]:
    expected_instant = _instant(expected["timestamp"])
    return {
        "title": got["title"] == expected["title"],
        "source": got["source"] == expected["source"],
        "timestamp": _instant(got["timestamp"]) == expected_instant,
        "day": _day(got["timestamp"]) == _day(expected["timestamp"]),
        "body": _paragraphs(got["body"]) == _paragraphs(expected["body"]),
        "credits": (got["credits"] == expected["credits"])
        if expected["credits"]
        else None,
    }


def run(pages: list[tuple[str, object, object]], scorer, fields) -> tuple[dict, dict]:
    """pages: (name, response, truth-with-meta); returns scores and timings per extractor."""
    scores = {name: {f: [] for f in fields} for name in EXTRACTORS}
    timings = {name: [] for name in EXTRACTORS}
    for _, response, truth, meta in pages:
        for name, extractor in EXTRACTORS.items():
            started = time.perf_counter()
            try:
                got = extractor(response, meta)
            except Exception:  # a crash scores zero, it does not end the benchmark
                got = {
                    "title": None,
                    "source": None,
                    "timestamp": None,
                    "body": None,
                    "credits": {},
                }
            timings[name].append(time.perf_counter() - started)
            for field, right in scorer(got, truth).items():
                if right is not None:
                    scores[name][field].append(right)
    return scores, timings


def table(title: str, scores: dict, timings: dict, fields) -> str:
    names = list(scores)
    lines = [title, f"{'field':<14}" + "".join(f"{n:>16}" for n in names)]
    for field in fields:
        cells = []
        for name in names:
            values = scores[name][field]
            cells.append(
                f"{100 * sum(values) / len(values):>15.1f}%" if values else f"{'-':>16}"
            )
        lines.append(f"{field:<14}" + "".join(cells))
    lines.append(
        f"{'ms/page':<14}"
        + "".join(f"{1000 * statistics.median(timings[n]):>16.2f}" for n in names)
    )
    ours = statistics.median(timings[names[0]])
    lines.append(
        f"{'time vs ours':<14}"
        + "".join(f"{statistics.median(timings[n]) / ours:>15.2f}x" for n in names)
    )
    count = len(next(iter(timings.values())))
    lines.append(f"({count} pages)")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--limit", type=int, help="only the first N pages of each set (smoke runs)"
    )
    args = parser.parse_args(argv)

    golden: list[GoldenCase] = load_cases(FIXTURES)[: args.limit]
    for case in golden:
        spider_class(case.spider)  # loaded once, before anything is timed
    golden_pages = [(c.name, c.response(), c.expected, c.meta) for c in golden]
    labelled = {
        kind: [
            (page.name, page.response(), page, {})
            for page in load_labelled(FIXTURES, kind)[: args.limit]
        ]
        for kind in ("gov", "real")
    }
    print(
        table(
            "Golden corpus (our template variants, reviewed items)",
            *run(golden_pages, score_golden, GOLDEN_FIELDS),
            GOLDEN_FIELDS,
        )
    )
    for kind, title, fields in (
        (
            "gov",
            "Hand-labelled real pages: government-portal articles (tests/fixtures/gov)",
            LABELLED_FIELDS,
        ),
        (
            "real",
            "Hand-labelled real pages: news sites (tests/fixtures/real; not held out)",
            REAL_FIELDS,
        ),
    ):
        print()
        print(table(title, *run(labelled[kind], score_labelled, fields), fields))
    return 0


if __name__ == "__main__":
    sys.exit(main())
