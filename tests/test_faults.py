"""One crawl through the fault-injecting server with every fault active at once.

Real HTTP on 127.0.0.1, the real `scrapy crawl`. Transient faults (5xx a few
times, a delay past the download timeout, a connection dropped mid-body, a
truncated body) must be retried and their articles extracted correctly;
permanent ones (404, a redirect loop, a 30 MB body, a 412 challenge, a 500
that never ends) must be named in the run report with their reason; a page
without a readable time is still emitted, its timestamp null and flagged; GBK bytes under a
UTF-8 header are read correctly; a malformed listing full of javascript:,
mailto:, file:// and other-host links still yields its articles and nothing
else. The run is unhealthy (it was blocked) and exits 3.
"""

from __future__ import annotations

import json
import re
from collections import Counter

from lianzhou_news.text.script import to_simplified
from localsite import build_site, serve
from localsite.build import article_path, start_urls
from localsite.run import crawl_command, run_crawl
from localsite.server import Fault

FAULT_SETTINGS = ["-s", "DOWNLOAD_TIMEOUT=1", "-s", "LIANZHOU_RETRY_BACKOFF_BASE=0.05"]


def test_every_fault_at_once(tmp_path):
    site_dir = tmp_path / "site"
    articles = build_site(site_dir)
    plain = [a for a in articles if not a.mirrored and not a.also_listed_in]
    transient = {
        "500 twice": Fault("status", times=2, status=500),
        "503 once": Fault("status", times=1, status=503),
        "502 three times": Fault("status", times=3, status=502),
        "slow once": Fault("slow", times=1, delay=2.5),
        "dropped once": Fault("drop", times=1),
        "truncated once": Fault("truncate", times=1),
        "gbk under utf-8": Fault("gbk_as_utf8"),
    }
    permanent = {
        "redirect loop": Fault("loop"),
        "oversize": Fault("huge"),
        "412": Fault("challenge"),
        "500": Fault("status", status=500),
    }
    faults, expected_failures = {}, {}
    for article, fault in zip(
        plain, [*transient.values(), *permanent.values()], strict=False
    ):
        faults[article_path(article)] = fault
    for article, reason in zip(plain[len(transient) :], permanent, strict=False):
        expected_failures[article.article_id] = reason
    # A deleted page: 404.
    gone = plain[len(transient) + len(permanent)]
    (site_dir / article_path(gone).lstrip("/")).unlink()
    expected_failures[gone.article_id] = "404"
    # A page with no readable time: emitted, the time null and flagged.
    undated = plain[len(transient) + len(permanent) + 1]
    page = site_dir / article_path(undated).lstrip("/")
    html = page.read_text(encoding="utf-8")
    page.write_text(re.sub(r"<span>发布时间：[^<]*</span>", "", html), encoding="utf-8")
    # A malformed listing page, its article links among hostile ones.
    listing = site_dir / "zwgk/bmdt/index_2.html"
    original = listing.read_text(encoding="utf-8")
    links = re.findall(r'<a href="(/zwgk/bmdt/content/post_\d+\.html)"', original)
    pager = re.search(r"(?s)<script>.*?</script>", original).group(
        0
    )  # keep its page count
    hostile = (
        '<a href="javascript:void(0)">js</a><a href="mailto:a@b.cn">mail</a>'
        '<a href="file:///etc/passwd">file</a><a href="http://__OFFSITE_HOST__/zwgk/bmdt/content/post_1.html">x</a>'
        '<a href="ftp://127.0.0.1/content/post_2.html">ftp</a><a href="data:text/html,hi">data</a>'
    )
    listing.write_text(
        "<html><body><div><ul><li>"
        + "".join(f'<li><a href="{link}" title="t">标题<li>' for link in links)
        + hostile
        + pager
        + "</div></div></table><p>",
        encoding="utf-8",
    )

    with serve(site_dir, faults=faults) as site:
        command = crawl_command(
            start_urls(site.base_url), run_id="faults", extra_args=FAULT_SETTINGS
        )
        result = run_crawl(command, tmp_path, timeout=240)
        hits = list(site.hits)

    # The run's health: blocked by the 412, so unhealthy, so exit status 3.
    report = json.loads((tmp_path / "output/lianzhou/faults.report.json").read_text())
    assert result.returncode == 3, result.stderr[-3000:]
    assert report["healthy"] is False
    assert any("blocked" in reason for reason in report["unhealthy_reasons"])

    # Every reachable article once, and correct; nothing else.
    items = [
        json.loads(line)
        for line in (tmp_path / "output/lianzhou/faults.jsonl").read_text().splitlines()
    ]
    counts = Counter(item["article_id"] for item in items)
    reachable = {a.article_id for a in articles} - set(expected_failures)
    assert set(counts) == reachable
    assert max(counts.values()) == 1
    truth = {a.article_id: a for a in articles}
    for item in items:
        article = truth[item["article_id"]]
        assert to_simplified(item["title"]) == to_simplified(article.title)
        assert "\ufffd" not in json.dumps(item, ensure_ascii=False)
        if "/mirror/" not in item["url"]:
            assert item["body"] == "\n".join(article.text_paragraphs), item["url"]

    # Every unreachable article named, with its reason.
    failed = {
        f["url"].rsplit("post_", 1)[-1].removesuffix(".html"): f["reason"]
        for f in report["failed_articles"]
    }
    assert failed == expected_failures
    assert report["errors"]["oversize"] == 1 and report["errors"]["redirect_loop"] == 1
    assert report["errors"]["truncated"] >= 1 and report["errors"]["blocked"] >= 1

    # The undated page is not lost: emitted without a time, and counted.
    (kept,) = [item for item in items if item["article_id"] == undated.article_id]
    assert kept["timestamp"] is None and "timestamp:missing" in kept["quality"]
    assert report["quality"]["timestamp:missing"] == 1
    assert not (tmp_path / "output/lianzhou/faults.rejects.jsonl").exists()

    # Nothing outside the allowed host and scheme was ever requested.
    assert {hit.host for hit in hits} == {site.base_url.removeprefix("http://")}
    assert not any(
        "passwd" in hit.path or "post_1.html" in hit.path or "post_2.html" in hit.path
        for hit in hits
    )
