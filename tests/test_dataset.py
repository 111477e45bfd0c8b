"""`python -m lianzhou_news.dataset` on the output of real crawls of the offline site.

The output directory holds what scheduled runs leave: a first full run, a
second after an article was corrected (that article at version 2), a third
that found nothing (an empty run file), their reports, and a rejects file in
the exact format ``ValidationPipeline`` writes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from lianzhou_news.dataset import fold
from lianzhou_news.dataset.columns import arrow_schema
from lianzhou_news.dataset.dictionary import render as render_dictionary
from lianzhou_news.dataset.html import COLOURS
from lianzhou_news.dataset.summary import summarize
from lianzhou_news.items import article_schema, schema_errors
from lianzhou_news.text.script import to_simplified

from .conftest import correct_article, crawl_local_site

ROOT = Path(__file__).resolve().parent.parent
REJECTED_ID = "9999999"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three real runs in one workdir: r1 (all new), r2 (one correction), r3 (nothing)."""
    work = tmp_path_factory.mktemp("dataset")
    first = crawl_local_site(work, run_id="r1")
    assert first.returncode == 0, first.log[-2000:]
    target = next(a for a in first.articles if a.column == "bmdt")
    correct_article(work / "site", target)
    second = crawl_local_site(
        work, run_id="r2", build=False, extra_args=["-a", "full=1"]
    )
    assert second.returncode == 0, second.log[-2000:]
    third = crawl_local_site(work, run_id="r3", build=False)
    assert third.returncode == 0, third.log[-2000:]
    folder = work / "output" / "lianzhou"
    # A run with nothing new leaves no items file now, only its report; older
    # runs left an empty one, which the dataset must still take in its stride.
    assert not (folder / "r3.jsonl").exists()
    assert (folder / "r3.report.json").exists()
    (folder / "r3.jsonl").write_bytes(b"")
    # A rejected item, as ValidationPipeline writes it: not an article.
    bad = dict(first.items()[0], article_id=REJECTED_ID, title="")
    bad["url"] = bad["url"].rsplit("/", 1)[0] + f"/post_{REJECTED_ID}.html"
    errors = schema_errors(bad)
    assert errors
    line = {"url": bad["url"], "reasons": errors, "item": bad}
    (folder / "r2.rejects.jsonl").write_text(
        json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return {"work": work, "folder": folder, "first": first, "target": target}


def _dataset(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lianzhou_news.dataset", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_latest_parquet_has_one_row_per_article_at_its_latest_version(runs, tmp_path):
    out = tmp_path / "latest.parquet"
    result = _dataset(runs["work"] / "output", "--latest", "-o", out)
    assert result.returncode == 0, result.stderr
    df = pd.read_parquet(out)
    first_items = runs["first"].items()
    assert len(df) == len(first_items) == 66
    assert df["article_id"].is_unique
    assert REJECTED_ID not in set(df["article_id"])  # the rejects file is not read
    target = df.set_index("article_id").loc[runs["target"].article_id]
    assert target["version"] == 2 and target["change"] == "updated"
    assert "（记者 更正）" in target["body"]
    assert (df["version"] == 1).sum() == 65
    assert str(df["timestamp"].dt.tz) in ("UTC+08:00", "+08:00")
    assert str(df["crawled_at"].dt.tz) == "UTC"
    # Times are the instants the items say.
    by_id = {item["article_id"]: item for item in first_items}
    some = df[df["version"] == 1].iloc[0]
    assert some["timestamp"].isoformat() == by_id[some["article_id"]]["timestamp"]
    # Nested, not strings.
    credits = df.set_index("article_id").loc[some["article_id"], "credits"]
    assert isinstance(credits, dict)
    expected = by_id[some["article_id"]]["credits"]
    assert {r: list(n) for r, n in credits.items() if n is not None} == expected


def test_types_are_the_same_whatever_the_rows_hold(runs, tmp_path):
    """r2 alone (one row, simplified null, one channel) and all runs give one schema."""
    only_r2 = tmp_path / "only_r2" / "lianzhou"
    only_r2.mkdir(parents=True)
    shutil.copy(runs["folder"] / "r2.jsonl", only_r2)
    assert (
        _dataset(only_r2.parent, "--latest", "-o", tmp_path / "a.parquet").returncode
        == 0
    )
    assert (
        _dataset(
            runs["work"] / "output", "--latest", "-o", tmp_path / "b.parquet"
        ).returncode
        == 0
    )
    a, b = (
        pq.read_schema(tmp_path / "a.parquet"),
        pq.read_schema(tmp_path / "b.parquet"),
    )
    assert a.remove_metadata() == b.remove_metadata()
    assert a.names == arrow_schema().names
    types = dict(
        duckdb.sql(f"DESCRIBE SELECT * FROM '{tmp_path / 'a.parquet'}'").fetchall()[i][
            :2
        ]
        for i in range(len(arrow_schema()))
    )
    assert types["timestamp_raw"] == "VARCHAR"
    assert types["timestamp"] == types["crawled_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["simplified"].startswith("STRUCT(")
    assert types["credits"].startswith("STRUCT(reporter VARCHAR[]")


def test_duckdb_csv_and_jsonl_outputs(runs, tmp_path):
    output = runs["work"] / "output"
    for suffix in (".duckdb", ".csv", ".jsonl"):
        result = _dataset(output, "--latest", "-o", tmp_path / f"latest{suffix}")
        assert result.returncode == 0, result.stderr
    with duckdb.connect(str(tmp_path / "latest.duckdb"), read_only=True) as con:
        assert con.execute(
            "SELECT count(*), count(DISTINCT article_id) FROM articles"
        ).fetchone() == (66, 66)
        version = con.execute(
            f"SELECT version FROM articles WHERE article_id = '{runs['target'].article_id}'"
        ).fetchone()
        assert version == (2,)
    csv = pd.read_csv(tmp_path / "latest.csv", dtype=str)
    assert len(csv) == 66 and csv["article_id"].is_unique
    row = csv.set_index("article_id").loc[runs["target"].article_id]
    assert row["version"] == "2"
    assert json.loads(row["images"]) == next(
        i["images"] for i in _lines(runs["folder"] / "r2.jsonl")
    )
    jsonl = _lines(tmp_path / "latest.jsonl")
    assert len(jsonl) == 66
    assert all(row["channel_simplified"] for row in jsonl)


def test_a_file_cut_mid_line_keeps_its_whole_lines_and_names_the_cut(runs, tmp_path):
    folder = tmp_path / "output" / "lianzhou"
    shutil.copytree(runs["folder"], folder)
    r1 = (folder / "r1.jsonl").read_bytes()
    # A run that died while writing its third line: two whole lines and a half.
    lines = r1.split(b"\n")
    extra = [json.loads(line) for line in lines[:3]]
    for item in extra:  # a later run's versions of three articles
        item["version"], item["change"] = 7, "updated"
    encoded = [json.dumps(i, ensure_ascii=False).encode() for i in extra]
    (folder / "r9.jsonl").write_bytes(
        encoded[0] + b"\n" + encoded[1] + b"\n" + encoded[2][:80]
    )
    result = _dataset(folder.parent, "--latest", "-o", tmp_path / "latest.parquet")
    assert result.returncode == 1
    assert re.search(r"r9\.jsonl:3: cut mid-line", result.stderr), result.stderr
    assert "1 lines could not be read" in result.stderr
    df = pd.read_parquet(tmp_path / "latest.parquet").set_index("article_id")
    assert len(df) == 66
    assert df.loc[extra[0]["article_id"], "version"] == 7
    assert df.loc[extra[1]["article_id"], "version"] == 7
    assert (
        df.loc[extra[2]["article_id"], "version"] == 1
    )  # the cut line is not guessed at


def test_unknown_suffix_and_several_spiders_are_one_line_errors(runs, tmp_path):
    result = _dataset(runs["work"] / "output", "--latest", "-o", tmp_path / "x.xlsx")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "unknown format '.xlsx'" in result.stderr
    both = tmp_path / "output"
    shutil.copytree(runs["folder"], both / "lianzhou")
    shutil.copytree(runs["folder"], both / "lianshan")
    result = _dataset(both, "--summary")
    assert result.returncode == 2
    assert "--spider" in result.stderr and result.stderr.strip().count("\n") == 0
    assert _dataset(both, "--summary", "--spider", "lianshan").returncode == 0


def test_summary_prints_what_the_articles_say(runs):
    result = _dataset(runs["folder"], "--summary")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "articles: 66 (latest versions of 67 rows in 3 run files" in out
    items = runs["first"].items()
    channels = Counter(fold(i)["channel_simplified"] for i in items)
    for channel, n in channels.items():
        assert re.search(rf"^\s+{n}\s+{channel}$", out, re.M), channel
    assert "updates: 1 articles at a version above 1 (versions: v1 65, v2 1)" in out
    first = min(i["timestamp"] for i in items)
    assert f"date range: {first} .." in out


def test_grouping_folds_the_script():
    """The issue's split counts: 连州要闻 23 / 連州要聞 3, 黄艺 22 / 黃藝 1."""
    rows = [
        fold(
            {"channel": "连州要闻", "source": "南方+", "credits": {"editor": ["黄艺"]}}
        ),
        fold(
            {"channel": "連州要聞", "source": "南方+", "credits": {"editor": ["黃藝"]}}
        ),
    ]
    summary = summarize(rows, rows_read=2, files=1, cuts=0)
    assert summary["per_channel"] == [("连州要闻", 2)]
    assert summary["people"]["editor"] == [("黄艺", 2)]
    assert rows[1]["channel"] == "連州要聞"  # the original is kept


def _png_pixels(path: Path):
    """(width, height, rows of RGB tuples) of an 8-bit RGB/RGBA PNG."""
    data = path.read_bytes()
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (
                    line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)
                ) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, rows, channels


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def test_html_report_draws_its_charts_in_a_real_browser(runs, tmp_path):
    browser = _chromium()
    if browser is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (.ci/run installs it)")
        pytest.skip(
            "chromium is not installed (apt-get install chromium fonts-noto-cjk)"
        )
    page = tmp_path / "report.html"
    result = _dataset(runs["folder"], "--html", page)
    assert result.returncode == 0, result.stderr
    html = page.read_text(encoding="utf-8")
    assert not re.search(
        r"""(src|href)=["']?(https?:)?//""", html
    )  # nothing from the network
    assert "连州要闻" in html and "黄艺" in html
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1000,3000",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    width, _height, rows, channels = _png_pixels(shot)
    counts = Counter()
    wanted = {bytes.fromhex(colour[1:]): name for name, colour in COLOURS.items()}
    for line in rows[::2]:
        for x in range(0, width * channels, channels * 2):
            name = wanted.get(line[x : x + 3])
            if name:
                counts[name] += 1
    # Every chart's bars are on screen, in its own colour (a chart that did not
    # draw leaves none of its colour).
    for name in COLOURS:
        assert counts[name] > 200, (name, counts)


def _all_properties(schema: dict, path: str = ""):
    for name, prop in schema.get("properties", {}).items():
        yield f"{path}{name}", prop
        yield from _all_properties(prop, f"{path}{name}.")


def test_every_schema_field_has_a_description():
    schema = article_schema()
    fields = list(_all_properties(schema))
    assert len(fields) > 21
    missing = [name for name, prop in fields if not prop.get("description")]
    assert missing == []


def test_data_dictionary_is_current():
    current = (ROOT / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert current == render_dictionary(), (
        "run: python -m lianzhou_news.dataset.dictionary > docs/data-dictionary.md"
    )


def _blocks(language: str) -> list[str]:
    """The ``language`` blocks of README's "For analysts", then docs/dataset.md's."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    analysts = readme.split("### For analysts", 1)[1].split("\n## ", 1)[0]
    text = analysts + (ROOT / "docs" / "dataset.md").read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def test_the_docs_snippets_run_on_multi_run_output(runs, capsys):
    """Every ```sh, ```python and ```sql block of docs/dataset.md, in the
    directory where output/ is, on output with rejects, an empty run, reports
    and an updated article."""
    work = runs["work"]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for block in _blocks("sh"):
        script = block.replace(".venv/bin/python -m", "python -m").replace(
            "python -m", f"{sys.executable} -m"
        )
        result = subprocess.run(
            ["sh", "-ec", script], cwd=work, capture_output=True, text=True, env=env
        )
        assert result.returncode == 0, result.stderr
    # What the snippets must find, counted from the run files by hand: the
    # latest version of each article.
    latest: dict[str, dict] = {}
    for path in sorted(runs["folder"].glob("r?.jsonl")):
        for item in _lines(path):
            if (
                item["article_id"] not in latest
                or item["version"] > latest[item["article_id"]]["version"]
            ):
                latest[item["article_id"]] = item
    # Grouped across scripts: 連州要聞 (the mirror's copies) is 连州要闻.
    channels = Counter(to_simplified(item["channel"]) for item in latest.values())
    assert channels["连州要闻"] == 26 and "連州要聞" not in channels
    reporters = Counter(
        to_simplified(n)
        for i in latest.values()
        for n in i["credits"].get("reporter", [])
    )
    previous = Path.cwd()
    os.chdir(work)
    try:
        python = _blocks("python")
        assert python
        namespace: dict = {}
        for block in python:
            exec(compile(block, "docs/dataset.md", "exec"), namespace)
        assert len(namespace["df"]) == len(latest) == 66
        assert namespace["per_channel"].to_dict() == dict(channels)
        assert namespace["reporters"].to_dict() == dict(reporters)
        assert "连州要闻" in capsys.readouterr().out
        sql = _blocks("sql")
        assert len(sql) == 2
        per_channel = duckdb.sql(sql[0]).fetchall()
        assert {c: n for c, n, _ in per_channel} == dict(channels)
        newest = max(
            (i for i in latest.values() if i["channel"] == per_channel[0][0]),
            key=lambda i: i["timestamp"],
        )
        assert per_channel[0][2].isoformat() == pd.Timestamp(
            newest["timestamp"]
        ).isoformat() or (
            pd.Timestamp(per_channel[0][2]) == pd.Timestamp(newest["timestamp"])
        )
        assert dict(duckdb.sql(sql[1]).fetchall()) == dict(reporters)
    finally:
        os.chdir(previous)


def test_the_crawl_keeps_the_portals_copy_of_a_mirrored_article(runs):
    """The offline site's /mirror/ copies three articles in Traditional script;
    the crawl reads the mirror's listing too, and emits the portal's copies."""
    items = {item["article_id"]: item for item in runs["first"].items()}
    mirrored = [a for a in runs["first"].articles if a.mirrored]
    assert len(mirrored) == 3
    for article in mirrored:
        item = items[article.article_id]
        assert "/mirror/" not in item["url"]
        assert item["lang"] == "zh-Hans"
        assert item["channel"] == "连州要闻"
    assert all(item["lang"] == "zh-Hans" for item in items.values())
    report = runs["first"].report()["items"]
    assert report["dropped"]["duplicate"] + report["known_not_refetched"] == 5


def test_an_article_only_a_mirror_lists_is_still_fetched(tmp_path):
    from localsite.content import COLUMNS

    crawl = crawl_local_site(tmp_path, paths=["/mirror" + COLUMNS["lzyw"].path])
    assert crawl.returncode == 0, crawl.log[-2000:]
    items = crawl.items()
    listed = [a for a in crawl.articles if a.mirrored]
    assert len(listed) == 3
    assert {i["article_id"] for i in items} == {a.article_id for a in listed}
    assert all("/mirror/" in i["url"] and i["lang"] == "zh-Hant" for i in items)


def test_a_portal_copy_replaces_a_stored_mirror_copy_in_a_later_run(tmp_path):
    """Run 1 reads only the mirror (its copies are stored); run 2 reads the
    portal and the mirror: the portal's copies come out as version 2, the
    mirror's copies are not fetched again; run 3 (full) emits nothing new."""
    from localsite.content import COLUMNS

    mirror = "/mirror" + COLUMNS["lzyw"].path
    first = crawl_local_site(tmp_path, run_id="m1", paths=[mirror])
    assert first.returncode == 0, first.log[-2000:]
    mirrored = {i["article_id"] for i in first.items()}
    assert len(mirrored) == 3
    second = crawl_local_site(
        tmp_path, run_id="m2", build=False, extra_args=["-a", "full=1"]
    )
    assert second.returncode == 0, second.log[-2000:]
    items = {i["article_id"]: i for i in second.items()}
    assert len(items) == 66
    for article_id in mirrored:
        item = items[article_id]
        assert (item["version"], item["change"]) == (2, "updated")
        assert "/mirror/" not in item["url"] and item["lang"] == "zh-Hans"
    assert {i["version"] for k, i in items.items() if k not in mirrored} == {1}
    third = crawl_local_site(
        tmp_path, run_id="m3", build=False, extra_args=["-a", "full=1"]
    )
    assert third.returncode == 0, third.log[-2000:]
    assert not third.output.exists() or third.items() == []
    # A mirror-only run after the portal's copies are stored: unchanged.
    fourth = crawl_local_site(
        tmp_path, run_id="m4", build=False, paths=[mirror], extra_args=["-a", "full=1"]
    )
    assert fourth.returncode == 0, fourth.log[-2000:]
    assert not fourth.output.exists() or fourth.items() == []
    latest = _dataset(tmp_path / "output", "--latest", "-o", tmp_path / "l.jsonl")
    assert latest.returncode == 0, latest.stderr
    rows = _lines(tmp_path / "l.jsonl")
    assert len(rows) == 66 and all(r["lang"] == "zh-Hans" for r in rows)
