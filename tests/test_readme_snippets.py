"""The analyst snippets of docs/item.md ("Loading a run") must run, unchanged,
on a real crawl's output."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "item.md"


def _snippet(name: str) -> str:
    match = re.search(
        rf"<!-- snippet: {name} -->\n```python\n(.*?)```",
        DOC.read_text(encoding="utf-8"),
        re.S,
    )
    assert match, f"docs/item.md has no '{name}' snippet"
    return match.group(1)


@pytest.fixture
def in_crawl_dir(demo_crawl):
    previous = Path.cwd()
    os.chdir(demo_crawl.output.parent.parent.parent)  # where output/ is
    try:
        yield demo_crawl
    finally:
        os.chdir(previous)


def test_pandas_snippet(in_crawl_dir, capsys):
    namespace: dict = {}
    exec(compile(_snippet("pandas"), "docs/item.md:pandas", "exec"), namespace)
    items = in_crawl_dir.items()
    df = namespace["df"]
    assert len(df) == len(items)
    assert str(df["timestamp"].dt.tz) in ("UTC+08:00", "+08:00")
    assert df["timestamp_raw"].tolist() == [item["timestamp_raw"] for item in items]
    assert df["article_id"].tolist() == [item["article_id"] for item in items]
    assert namespace["per_channel"].to_dict() == dict(
        Counter(item["channel"] for item in items)
    )
    expected_reporters = Counter(
        n for item in items for n in item["credits"].get("reporter", [])
    )
    assert namespace["reporters"].to_dict() == dict(expected_reporters)
    assert "连州要闻" in capsys.readouterr().out


def test_duckdb_snippet(in_crawl_dir):
    namespace: dict = {}
    exec(compile(_snippet("duckdb"), "docs/item.md:duckdb", "exec"), namespace)
    items = in_crawl_dir.items()
    rows = namespace["per_channel"].fetchall()
    assert {channel: count for channel, count, _ in rows} == dict(
        Counter(item["channel"] for item in items)
    )
    newest = {channel: newest for channel, _, newest in rows}
    some = max(items, key=lambda item: item["timestamp"])
    assert newest[some["channel"]].isoformat() == some["timestamp"]
    expected_reporters = Counter(
        n for item in items for n in item["credits"].get("reporter", [])
    )
    assert dict(namespace["reporters"].fetchall()) == dict(expected_reporters)
