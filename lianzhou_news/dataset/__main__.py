"""`python -m lianzhou_news.dataset OUTPUT_DIR`: the latest articles, a summary, a report page.

Exit status: 0 when every line of every run file was read; 1 when some line
could not be read (it is named on stderr, and the outputs are still written
from every whole line); 2 on a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import DatasetError, read_dataset
from .columns import FORMATS, write
from .html import render
from .summary import as_text, summarize


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lianzhou_news.dataset",
        description="Read one spider's run files (output/<spider>/*.jsonl; rejects "
        "files and reports are left out) as one dataset.",
    )
    parser.add_argument("output_dir", type=Path, help="output/ or output/<spider>/")
    parser.add_argument("--spider", help="the spider, when OUTPUT_DIR holds several")
    parser.add_argument(
        "--latest",
        action="store_true",
        help="write one row per article, at its latest version, to -o FILE",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        help=f"the file for --latest ({', '.join(FORMATS)})",
    )
    parser.add_argument("--summary", action="store_true", help="print a summary")
    parser.add_argument("--html", type=Path, help="write the summary as an HTML page")
    return parser


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not (args.latest or args.summary or args.html):
        parser.error("nothing to do: give --latest -o FILE, --summary or --html FILE")
    if args.latest and not args.output:
        parser.error("--latest needs -o FILE")
    if args.output and not args.latest:
        parser.error("-o FILE goes with --latest")
    if args.output and args.output.suffix.lower() not in FORMATS:
        print(
            f"dataset: {args.output}: unknown format "
            f"{args.output.suffix or '(no suffix)'!r}; use one of {', '.join(FORMATS)}",
            file=sys.stderr,
        )
        return 2
    try:
        dataset = read_dataset(args.output_dir, args.spider)
    except DatasetError as error:
        print(f"dataset: {error}", file=sys.stderr)
        return 2
    for cut in dataset.cuts:
        print(f"dataset: line not read: {cut}", file=sys.stderr)
    if dataset.cuts:
        print(
            f"dataset: {len(dataset.cuts)} lines could not be read; "
            "every whole line was kept",
            file=sys.stderr,
        )
    rows = dataset.latest()
    if args.latest:
        write(rows, args.output)
        print(f"dataset: {len(rows)} articles -> {args.output}", file=sys.stderr)
    if args.summary or args.html:
        summary = summarize(
            rows,
            rows_read=len(dataset.rows),
            files=len(dataset.files),
            cuts=len(dataset.cuts),
        )
        if args.summary:
            sys.stdout.write(as_text(summary))
        if args.html:
            site = rows[0]["site"] if rows else args.output_dir.name
            args.html.parent.mkdir(parents=True, exist_ok=True)
            args.html.write_text(render(summary, f"{site} dataset"), encoding="utf-8")
            print(f"dataset: report -> {args.html}", file=sys.stderr)
    return 1 if dataset.cuts else 0


if __name__ == "__main__":
    sys.exit(main())
