"""Property-based fuzzing of the extractor: random and mutated pages, random bytes.

Properties, for every input: extraction never raises; it finishes within a
bound per page (a hang guard, not a speed goal); U+FFFD never reaches a text
field; and text that still looks like mojibake is flagged in ``quality``,
never passed off as clean. Hostile pages (deep nesting, thousands of links,
numbers of thousands of digits, a credit line of thousands of names, control
characters, under several encodings) never raise either, keep control
characters out of the text fields, and take time linear in their size.
"""

from __future__ import annotations

import json
import signal
import time
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from lianzhou_news.extract import extract_article, extract_listing
from lianzhou_news.text.script import find_damage

CORPUS = Path(__file__).parent / "fixtures" / "real" / "third_party"
PAGES = sorted(CORPUS.rglob("*.htm*"))
NOW = datetime(2026, 11, 27, tzinfo=UTC)
BOUND_SECONDS = 10  # far above the ~5 ms a page takes: only a hang trips it
URL = "http://127.0.0.1:8000/zwgk/lzyw/content/post_123.html"

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@contextmanager
def bounded(seconds: int):
    def hang(signum, frame):
        raise AssertionError(f"extraction took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def check(body: bytes, headers: dict | None = None) -> None:
    response = HtmlResponse(url=URL, body=body, headers=headers or {})
    with bounded(BOUND_SECONDS):
        item = extract_article(response, now=NOW, listing_date="2024-05-06")
        extract_listing(response)
    for name in ("title", "source", "channel", "body", "timestamp_raw"):
        value = item.get(name)
        if value:
            assert "\ufffd" not in value, name
            if find_damage(value) and name in ("title", "source", "body"):
                assert f"{name}:mojibake" in item["quality"], (name, value[:80])
    json.dumps(dict(item), ensure_ascii=False)  # always serialisable


# Pieces these pages are made of, for random pages that look like real ones.
FRAGMENTS = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div class='x'>",
        "</div>",
        "<br>",
        "<h1>",
        "</h1>",
        "<title>",
        "</title>",
        "<ruby>會<rt>huì</rt></ruby>",
        "會(huì)議",
        "来源：南方+ ",
        "發布時間:",
        "2023-03-22 17:01:12",
        "03-22",
        "记者：黄滢 袁安杰",
        "【撰写】",
        "编辑 ",
        "- THE END -",
        "头部",
        "footer底部",
        "字體大?。?",
        "\u3000\u3000",
        "\xa0",
        "<img src='a.jpg' alt='图片'>",
        "<a href='/content/post_9.html'>",
        "</a>",
        "<!-- c -->",
        "<script>var a=1;</script>",
        "<meta name='PubDate' content='2023-03-22 17:01'>",
        "\ufffd",
        "\ue087",
        "?cè)",
        "<",
        ">",
        "&nbsp;",
        "&#xFFFD;",
        "&amp;",
        "<table><tr><td>",
        "</td></tr></table>",
    ]
)
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=80)


@FUZZ
@given(st.lists(st.one_of(FRAGMENTS, TEXT), max_size=120))
def test_random_pages_built_from_real_fragments(parts):
    check("".join(parts).encode("utf-8"))


@FUZZ
@given(st.binary(max_size=4000), st.sampled_from([None, "utf-8", "gbk", "latin-1"]))
def test_random_bytes(data, charset):
    headers = {"Content-Type": f"text/html; charset={charset}"} if charset else {}
    check(data, headers)


@FUZZ
@given(
    st.sampled_from(PAGES),
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=10**9),
    st.randoms(use_true_random=False),
)
def test_real_pages_cut_and_shuffled(page, start, stop, rng):
    data = page.read_bytes()
    a, b = sorted((start % (len(data) + 1), stop % (len(data) + 1)))
    lines = data[a:b].split(b"\n")
    rng.shuffle(lines)
    check(b"\n".join(lines))


@FUZZ
@given(st.sampled_from(PAGES))
def test_real_pages_under_a_wrong_charset_header(page):
    # GBK bytes under a UTF-8 header, UTF-8 bytes under a GBK header: read right, or flagged.
    data = page.read_bytes()
    check(data, {"Content-Type": "text/html; charset=utf-8"})
    check(data, {"Content-Type": "text/html; charset=gbk"})
    check(data, {"Content-Type": "text/html; charset=iso-8859-1"})
    try:  # the same page re-encoded as GBK, under a Western header
        check(
            data.decode("utf-8").encode("gb18030"),
            {"Content-Type": "text/html; charset=iso-8859-1"},
        )
    except UnicodeDecodeError:
        pass  # the one page that is GBK already


# --- hostile pages: depth, size, digit counts, encodings, link counts ----------
# (issue 15). Each page is made of a shape and a size; extraction must never
# raise, and its time must grow with the page, not with its square.

ENCODINGS = ["utf-8", "gbk", "gb18030", "big5", "latin-1"]
CONTROL_CHARACTERS = "\x00\x07\x1b\x7f\x85\x9b\u202e\u2066\u200f"


def _names(count: int) -> list[str]:
    return [f"张{chr(0x4E00 + n % 300)}{chr(0x4E00 + n // 300)}" for n in range(count)]


def hostile_page(shape: str, size: int) -> str:
    """A page of ``shape`` whose hostile part grows with ``size``."""
    if shape == "deep":  # nested blocks, closed
        inner = "<div>" * size + "深处的文字。" + "</div>" * size
    elif shape == "unclosed":  # inline tags never closed
        inner = "<font><b>" * (size // 2) + "深处的文字。"
    elif shape == "links":  # a listing of undated links in one list
        inner = "<ul>" + "".join(
            f'<li><a href="/zwgk/lzyw/content/post_{n}.html">第{n}条</a></li>'
            for n in range(size)
        )
        inner += "</ul>"
    elif shape == "dated links":  # a table of links with their dates
        inner = "<table>" + "".join(
            f'<tr><td><a href="/zwgk/lzyw/content/post_{n}.html">第{n}条</a></td>'
            f"<td>2024-05-{n % 28 + 1:02d}</td></tr>"
            for n in range(size)
        )
        inner += "</table>"
    elif shape == "digits":  # huge numbers in the pager
        digits = "9" * size
        inner = (
            f"<script>var totalPage = Math.ceil({digits}/{digits});</script>"
            f'<a href="/zwgk/lzyw/index_{digits}.html">末页</a>'
            f"<p>第{digits}号文件</p>"
        )
    elif shape == "credits":  # one credit line of many names
        inner = f"<p>- THE END -</p><p>记者：{' '.join(_names(size))}</p>"
    elif shape == "paragraphs":  # a long article
        inner = "<p>连州市召开会议，部署防汛备汛工作。</p>" * size
    elif shape == "long line":  # one paragraph without end
        inner = "<p>" + "连州市召开会议部署防汛工作 " * (size // 10) + "</p>"
    elif shape == "controls":
        inner = "<p>" + CONTROL_CHARACTERS * (size // 10) + "正文</p>"
    else:
        raise ValueError(shape)
    return (
        "<html><head><title>连州市召开\u202e防汛工作会议</title></head><body>"
        "<h1>连州市召开防汛工作会议</h1><p>发布时间：2024-05-06 10:00</p>"
        f"<div class='article'><p>连州市召开会议，部署防汛备汛工作。</p>{inner}</div>"
        "</body></html>"
    )


SHAPES = [
    "deep",
    "unclosed",
    "links",
    "dated links",
    "digits",
    "credits",
    "paragraphs",
    "long line",
    "controls",
]


def _encoded(text: str, encoding: str) -> tuple[bytes, dict]:
    body = text.encode(encoding, errors="xmlcharrefreplace")
    return body, {"Content-Type": f"text/html; charset={encoding}"}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.sampled_from(SHAPES),
    st.integers(min_value=0, max_value=3000),
    st.sampled_from(ENCODINGS),
    st.booleans(),
)
def test_hostile_pages_never_raise(shape, size, encoding, header_lies):
    body, headers = _encoded(hostile_page(shape, size), encoding)
    if header_lies:
        headers = {"Content-Type": "text/html; charset=utf-8"}
    check(body, headers)
    response = HtmlResponse(url=URL, body=body, headers=headers)
    item = extract_article(response, now=NOW)
    for name in ("title", "source", "channel", "body"):
        assert not any(c in (item.get(name) or "") for c in CONTROL_CHARACTERS), name
    assert all(len(raw) <= 200 for raw in item["credits_raw"])


def _seconds(body: bytes) -> float:
    best = float("inf")
    for _ in range(3):
        response = HtmlResponse(url=URL, body=body, encoding="utf-8")
        started = time.perf_counter()
        extract_article(response, now=NOW)
        extract_listing(response)
        best = min(best, time.perf_counter() - started)
    return best


#: Per shape, a size big enough to time (tens of milliseconds), but kept well
#: under libxml2's depth limit (2,048) for the nested shapes.
LINEAR_SIZES = {
    "deep": 200,
    "unclosed": 400,
    "links": 1000,
    "dated links": 500,
    "digits": 2000,
    "credits": 1000,
    "paragraphs": 300,
    "long line": 20000,
    "controls": 20000,
}


@pytest.mark.parametrize("shape", SHAPES)
def test_extraction_time_is_linear_in_page_size(shape):
    # Eight times the page must not take 64 times as long (quadratic); 24
    # times leaves room for a busy machine, and 0.2 s for timer noise.
    size = LINEAR_SIZES[shape]
    small = _seconds(hostile_page(shape, size).encode())
    with bounded(BOUND_SECONDS * 6):
        large = _seconds(hostile_page(shape, 8 * size).encode())
    assert large <= 24 * small + 0.2, f"{shape}: {small:.3f} s, then {large:.3f} s"
