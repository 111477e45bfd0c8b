"""One spider's run files as one dataset: every article once, at its latest version.

A spider's output directory (``output/<spider>/``) holds, per run, the run file
``<run-id>.jsonl``, perhaps ``<run-id>.rejects.jsonl`` (items that broke the
schema, not articles) and ``<run-id>.report.json``. Only run files are read.
A run file cut mid-line (a crash, a full disk) keeps its whole lines; the cut
is counted and named, never silently dropped or guessed at.

The latest version of an article (``site`` + ``article_id``) is the row with
the highest ``version``, then the latest ``crawled_at``; on a tie, the portal's
own copy beats a mirror's (``is_mirror_copy``). Channel, source and credited
names get Simplified-script columns beside the originals (``*_simplified``), so
groupings hold across scripts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..text.script import to_simplified

RUN_FILE_SUFFIX = ".jsonl"
#: Files next to the run files that are not articles.
NOT_RUN_FILES = (".rejects.jsonl",)
#: URL path prefixes of a mirror's copy of the portal (the offline site's
#: Traditional mirror, ``localsite/build.py``); the spiders' ``mirror_paths``.
DEFAULT_MIRROR_PATHS = ("/mirror/",)


class DatasetError(Exception):
    """A problem with the input the user must fix, said in one line."""


@dataclass
class Cut:
    """A line of a run file that is not a whole JSON object."""

    path: Path
    line: int  # 1-based
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


@dataclass
class Dataset:
    """What was read: the rows of every run file, and what could not be read."""

    files: list[Path]
    rows: list[dict]
    cuts: list[Cut] = field(default_factory=list)

    def latest(self, mirror_paths=DEFAULT_MIRROR_PATHS) -> list[dict]:
        """One row per article (site, article_id), at its latest version,
        folded (``fold``), in order of ``site``, ``timestamp`` and ``article_id``."""
        best: dict[tuple, dict] = {}
        for row in self.rows:
            key = (row.get("site"), row.get("article_id") or row.get("url"))
            if key not in best or _rank(row, mirror_paths) > _rank(
                best[key], mirror_paths
            ):
                best[key] = row
        chosen = [fold(row) for row in best.values()]
        chosen.sort(
            key=lambda r: (r["site"] or "", r["timestamp"] or "", r["article_id"] or "")
        )
        return chosen


def _rank(row: dict, mirror_paths) -> tuple:
    return (
        row.get("version") or 0,
        row.get("crawled_at") or "",
        not is_mirror_copy(row.get("url") or "", mirror_paths),
    )


def is_mirror_copy(url: str, mirror_paths=DEFAULT_MIRROR_PATHS) -> bool:
    """True if ``url`` is a mirror's copy of a portal page.

    >>> is_mirror_copy("http://127.0.0.1:8000/mirror/zwgk/lzyw/content/post_1.html")
    True
    >>> is_mirror_copy("http://127.0.0.1:8000/zwgk/lzyw/content/post_1.html")
    False
    """
    from urllib.parse import urlsplit

    path = urlsplit(url).path
    return any(path.startswith(prefix) for prefix in mirror_paths)


def spider_dir(output_dir: Path, spider: str | None) -> Path:
    """The directory of one spider's run files: ``output_dir/<spider>``, or
    ``output_dir`` itself when it holds run files, or its only spider folder."""
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        raise DatasetError(f"{output_dir}: no such directory")
    if spider:
        folder = output_dir / spider
        if folder.is_dir():
            return folder
        if output_dir.name == spider:
            return output_dir
        raise DatasetError(f"{output_dir}: no run files of spider {spider!r}")
    if run_files(output_dir):
        return output_dir
    spiders = sorted(
        p.name for p in output_dir.iterdir() if p.is_dir() and run_files(p)
    )
    if len(spiders) == 1:
        return output_dir / spiders[0]
    if not spiders:
        raise DatasetError(
            f"{output_dir}: no run files (*.jsonl) here or in a spider folder"
        )
    raise DatasetError(
        f"{output_dir} holds the runs of several spiders ({', '.join(spiders)}): "
        "choose one with --spider NAME"
    )


def run_files(folder: Path) -> list[Path]:
    """The run files in ``folder`` (rejects files and reports left out), by name."""
    return sorted(
        path
        for path in Path(folder).glob("*" + RUN_FILE_SUFFIX)
        if path.is_file() and not path.name.endswith(NOT_RUN_FILES)
    )


def read_dataset(output_dir: Path, spider: str | None = None) -> Dataset:
    """Every row of every run file of one spider (files are only read)."""
    files = run_files(spider_dir(output_dir, spider))
    dataset = Dataset(files=files, rows=[])
    for path in files:
        _read_file(path, dataset)
    return dataset


def _read_file(path: Path, dataset: Dataset) -> None:
    data = path.read_bytes()
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        last = number == len(lines)
        if not raw.strip():
            continue
        try:
            row = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            reason = (
                f"cut mid-line ({len(raw)} bytes without an end of line)"
                if last
                else f"not a JSON line ({error})"
            )
            dataset.cuts.append(Cut(path, number, reason))
            continue
        if not isinstance(row, dict) or "article_id" not in row:
            dataset.cuts.append(Cut(path, number, "not an article"))
            continue
        dataset.rows.append(row)


def _simplified(value):
    return to_simplified(value) if isinstance(value, str) else value


def fold(row: dict) -> dict:
    """The row with Simplified-script columns beside channel, source and credits.

    >>> folded = fold({"channel": "連州要聞", "source": None, "credits": {"editor": ["黃藝"]}})
    >>> folded["channel_simplified"], folded["source_simplified"], folded["credits_simplified"]
    ('连州要闻', None, {'editor': ['黄艺']})
    """
    folded = dict(row)
    folded["channel_simplified"] = _simplified(row.get("channel"))
    folded["source_simplified"] = _simplified(row.get("source"))
    folded["credits_simplified"] = {
        role: [_simplified(name) for name in names]
        for role, names in (row.get("credits") or {}).items()
    }
    return folded
