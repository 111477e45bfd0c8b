"""Property-based fuzzing of the extractor: random and mutated pages, random bytes.

Properties, for every input: extraction never raises; it finishes within a
bound per page (a hang guard, not a speed goal); U+FFFD never reaches a text
field; and text that still looks like mojibake is flagged in ``quality``,
never passed off as clean.
"""

from __future__ import annotations

import json
import signal
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

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
