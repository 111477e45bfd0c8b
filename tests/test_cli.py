"""`python -m lianzhou_news.extract`: the spider's extraction, for one saved page."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import FIXTURES, golden_cases


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "lianzhou_news.extract", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_prints_the_golden_item():
    case = next(c for c in golden_cases() if c.name == "seed_mirror")
    result = _run(
        case.page,
        "--meta",
        case.page.with_suffix(".meta.json"),
        "--channel",
        case.meta["listing_channel"],
    )
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    expected = dict(case.expected)
    assert item.pop("crawled_at").endswith("Z")
    expected.pop("crawled_at")
    assert item == expected
    assert "\\u" not in result.stdout  # Chinese printed as itself


def test_cli_decodes_bytes_as_scrapy_does(tmp_path):
    # The same page saved as GBK with only a <meta charset>: Scrapy reads the meta.
    case = next(c for c in golden_cases() if c.name == "archive_byline")
    html = case.page.read_text(encoding="utf-8").replace(
        'content="text/html; charset=utf-8"', 'content="text/html; charset=gbk"'
    )
    page = tmp_path / "gbk.html"
    page.write_bytes(html.encode("gbk"))
    result = _run(page, "--url", case.meta["url"])
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["title"] == case.expected["title"]
    assert item["body"] == case.expected["body"]


def test_cli_header_overrides_meta_charset(tmp_path):
    case = next(c for c in golden_cases() if c.name == "nanfang_plain")
    page = tmp_path / "page.html"
    page.write_bytes(case.page.read_text(encoding="utf-8").encode("gb18030"))
    result = _run(
        page,
        "--url",
        case.meta["url"],
        "--header",
        "Content-Type: text/html; charset=gb18030",
    )
    assert json.loads(result.stdout)["title"] == case.expected["title"]


def test_cli_bad_input_is_a_clear_error(tmp_path):
    missing_url = _run(FIXTURES / "lianzhou" / "seed_mirror.html")
    assert missing_url.returncode == 2 and "--url" in missing_url.stderr
    missing_file = _run(tmp_path / "nope.html", "--url", "http://h/content/post_1.html")
    assert missing_file.returncode == 2 and "no such file" in missing_file.stderr
    bad_header = _run(
        FIXTURES / "lianzhou" / "seed_mirror.html",
        "--url",
        "http://h/",
        "--header",
        "oops",
    )
    assert bad_header.returncode == 2 and "Name: value" in bad_header.stderr


def test_cli_emits_a_page_without_title_or_time_flagged(tmp_path):
    # Schema 2: such a page was an invalid item (exit 1); now it is an item
    # with the fields null and quality saying why.
    page = tmp_path / "empty.html"
    page.write_bytes(b"<html><body><p>nothing here</p></body></html>")
    result = _run(page, "--url", "http://h/x/content/post_1.html")
    assert result.returncode == 0, result.stderr
    item = json.loads(result.stdout)
    assert item["title"] is None and item["timestamp"] is None
    assert {"title:missing", "timestamp:missing"} <= set(item["quality"])
