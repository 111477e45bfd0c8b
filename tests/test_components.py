"""Component tests: each middleware, pipeline and formatter on its own, without a crawl.

Built as Scrapy's own tests build them: ``get_crawler(SpiderClass, settings)``,
then the component's ``from_crawler`` (or ``build_from_crawler``, Scrapy's way
of building a component that has none), then ``process_request`` /
``process_response`` / ``process_exception`` / ``process_item`` called with
real Request, Response and item objects.

Only ``BackoffRetryMiddleware`` needs a spider on the crawler (Scrapy's
``RetryMiddleware._retry`` reads ``crawler.spider``); it is made with the public
``Spider.from_crawler``, not ``crawler._create_spider``. ``QuietDropFormatter``
is given a spider (not on the crawler) because Scrapy's ``LogFormatter.dropped``
reads the default drop level through it.
"""

from __future__ import annotations

import inspect
import logging
import warnings

import pytest
import scrapy
import twisted.internet
from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Request
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from twisted.internet import defer
from twisted.internet.error import TimeoutError as TwistedTimeoutError

from lianzhou_news.extensions import QuietDropFormatter
from lianzhou_news.items import ArticleItem
from lianzhou_news.middlewares import (
    BackoffRetryMiddleware,
    BlockDetector,
    RedirectLoopMiddleware,
)
from lianzhou_news.pipelines import DedupePipeline, SimplifiedScriptPipeline

BASE = "http://127.0.0.1:8000"
ARTICLE_URL = f"{BASE}/zwgk/lzyw/content/post_1234567.html"
WHOLE_PAGE = (
    "<html><head><title>t</title></head><body><p>正文</p></body></html>".encode()
)


class PlainSpider(scrapy.Spider):
    """A spider for components that need nothing of the project's spiders."""

    name = "components"


def html_response(url: str, body: bytes, *, status: int = 200, request=None):
    return HtmlResponse(
        url,
        status=status,
        body=body,
        headers={"Content-Type": "text/html; charset=utf-8"},
        request=request or Request(url),
    )


# --------------------------------------------------------------------------
# BackoffRetryMiddleware


@pytest.fixture
def retry_crawler():
    crawler = get_crawler(
        PlainSpider,
        {
            "RETRY_TIMES": 3,
            "LIANZHOU_RETRY_BACKOFF_BASE": 2.0,
            "LIANZHOU_RETRY_BACKOFF_MAX": 5.0,
        },
    )
    # RetryMiddleware._retry asserts crawler.spider; Spider.from_crawler is the
    # public way to make one bound to this crawler.
    crawler.spider = PlainSpider.from_crawler(crawler)
    return crawler


@pytest.fixture
def waits(monkeypatch):
    """Each backoff wait the middleware asks Twisted for, instead of waiting."""
    asked = []

    def fake_defer_later(reactor, delay, callable_):
        asked.append(delay)
        return defer.succeed(callable_())

    monkeypatch.setattr("twisted.internet.task.deferLater", fake_defer_later)
    # No reactor runs here: the fired Deferred is awaited as it is.
    monkeypatch.setattr("scrapy.utils.defer.maybe_deferred_to_future", lambda d: d)
    # The middleware imports the reactor to wait on it; a stand-in keeps this
    # test from installing Twisted's default reactor in the test process.
    monkeypatch.setattr(twisted.internet, "reactor", object(), raising=False)
    return asked


def settled(result):
    """What a middleware's result comes to: a waiting retry is a coroutine
    (a Deferred is deprecated in Scrapy 2.19), driven here to its end."""
    if not inspect.iscoroutine(result):
        return result
    try:
        result.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the backoff wait did not settle at once")


def test_backoff_returns_a_coroutine_not_a_deprecated_deferred(retry_crawler, waits):
    middleware = BackoffRetryMiddleware.from_crawler(retry_crawler)
    request = Request(ARTICLE_URL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = middleware.process_response(
            request, html_response(request.url, b"", status=503, request=request)
        )
        assert inspect.iscoroutine(result)
        assert settled(result).url == request.url


def test_retry_waits_base_times_two_to_the_attempt_capped_at_max(retry_crawler, waits):
    middleware = BackoffRetryMiddleware.from_crawler(retry_crawler)
    request = Request(ARTICLE_URL)
    delays = []
    for _ in range(3):
        retry = settled(
            middleware.process_response(
                request, html_response(request.url, b"", status=503, request=request)
            )
        )
        assert isinstance(retry, Request)
        assert retry.url == request.url
        delays.append(waits[-1])
        request = retry
    # 2 * 2**0, 2 * 2**1, then 2 * 2**2 = 8 capped at LIANZHOU_RETRY_BACKOFF_MAX.
    assert delays == [2.0, 4.0, 5.0]
    assert retry.meta["retry_times"] == 3
    # Retries exhausted: the last 503 is passed on, with no further wait.
    final = html_response(request.url, b"", status=503, request=request)
    assert middleware.process_response(request, final) is final
    assert len(waits) == 3
    assert retry_crawler.stats.get_value("retry/count") == 3
    assert retry_crawler.stats.get_value("retry/max_reached") == 1


def test_retry_of_a_download_exception_waits_too(retry_crawler, waits):
    middleware = BackoffRetryMiddleware.from_crawler(retry_crawler)
    request = Request(ARTICLE_URL)
    retry = settled(middleware.process_exception(request, TwistedTimeoutError()))
    assert isinstance(retry, Request)
    assert retry.meta["retry_times"] == 1
    assert waits == [2.0]


def test_no_wait_when_backoff_base_is_zero(waits):
    crawler = get_crawler(PlainSpider, {"LIANZHOU_RETRY_BACKOFF_BASE": 0})
    crawler.spider = PlainSpider.from_crawler(crawler)
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    request = Request(ARTICLE_URL)
    retry = middleware.process_response(
        request, html_response(request.url, b"", status=503, request=request)
    )
    assert isinstance(retry, Request)  # the Request itself, not a Deferred
    assert waits == []


def test_truncated_page_is_retried_then_passed_on_with_a_warning(
    retry_crawler, waits, caplog
):
    middleware = BackoffRetryMiddleware.from_crawler(retry_crawler)
    cut = WHOLE_PAGE[: WHOLE_PAGE.index(b"</body>")]
    request = Request(ARTICLE_URL)
    for attempt in range(1, 4):
        result = settled(
            middleware.process_response(
                request, html_response(request.url, cut, request=request)
            )
        )
        assert isinstance(result, Request), f"attempt {attempt} was not retried"
        assert result.meta["retry_times"] == attempt
        request = result
    last = html_response(request.url, cut, request=request)
    with caplog.at_level(logging.DEBUG):
        assert middleware.process_response(request, last) is last
    assert retry_crawler.stats.get_value("lianzhou/errors/truncated") == 4
    assert retry_crawler.stats.get_value("retry/reason_count/truncated body") == 3
    give_ups = [r for r in caplog.records if r.getMessage().startswith("Gave up")]
    assert [r.levelno for r in give_ups] == [logging.WARNING]


def test_whole_page_passes_untouched(retry_crawler, waits):
    middleware = BackoffRetryMiddleware.from_crawler(retry_crawler)
    request = Request(ARTICLE_URL)
    response = html_response(request.url, WHOLE_PAGE, request=request)
    assert middleware.process_response(request, response) is response
    assert retry_crawler.stats.get_value("lianzhou/errors/truncated") is None
    assert waits == []


def test_dont_retry_is_honoured(retry_crawler, waits):
    middleware = BackoffRetryMiddleware.from_crawler(retry_crawler)
    request = Request(ARTICLE_URL, meta={"dont_retry": True})
    failed = html_response(request.url, b"", status=503, request=request)
    assert middleware.process_response(request, failed) is failed
    cut = html_response(request.url, WHOLE_PAGE[:30], request=request)
    assert middleware.process_response(request, cut) is cut
    assert middleware.process_exception(request, TwistedTimeoutError()) is None
    assert retry_crawler.stats.get_value("lianzhou/errors/truncated") is None
    assert retry_crawler.stats.get_value("retry/count") is None
    assert waits == []


# --------------------------------------------------------------------------
# RedirectLoopMiddleware


def redirect(request: Request, location: str, status: int = 301):
    return HtmlResponse(
        request.url, status=status, headers={"Location": location}, request=request
    )


def test_redirect_back_to_a_visited_url_is_a_named_loop():
    middleware = build_from_crawler(RedirectLoopMiddleware, get_crawler(PlainSpider))
    first = f"{BASE}/zwgk/lzyw/content/post_1.html"
    second = f"{BASE}/zwgk/lzyw/content/post_1.html?from=mirror"
    request = Request(second, meta={"redirect_urls": [first]})
    with pytest.raises(IgnoreRequest) as raised:
        middleware.process_response(request, redirect(request, first, 302))
    assert str(raised.value) == f"redirect loop: {second} -> {first}"


def test_relative_redirect_to_itself_is_a_loop():
    middleware = build_from_crawler(RedirectLoopMiddleware, get_crawler(PlainSpider))
    request = Request(ARTICLE_URL)
    with pytest.raises(IgnoreRequest) as raised:
        middleware.process_response(
            request, redirect(request, "/zwgk/lzyw/content/post_1234567.html")
        )
    assert str(raised.value) == f"redirect loop: {ARTICLE_URL} -> {ARTICLE_URL}"


def test_a_normal_redirect_and_a_page_pass():
    middleware = build_from_crawler(RedirectLoopMiddleware, get_crawler(PlainSpider))
    request = Request(ARTICLE_URL, meta={"redirect_urls": [f"{BASE}/old.html"]})
    moved = redirect(request, f"{BASE}/zwgk/lzyw/content/post_7654321.html")
    assert middleware.process_response(request, moved) is moved
    page = html_response(request.url, WHOLE_PAGE, request=request)
    assert middleware.process_response(request, page) is page


# --------------------------------------------------------------------------
# BlockDetector

CHALLENGE = (
    "<html><head><script>setTimeout(function(){location.reload()},3000)</script>"
    "</head><body>请稍候，正在进行安全验证……</body></html>"
).encode()


def test_requests_are_counted_by_kind():
    crawler = get_crawler(PlainSpider)
    detector = BlockDetector.from_crawler(crawler)
    detector.process_request(
        Request(f"{BASE}/zwgk/lzyw/", meta={"lianzhou_kind": "listing"})
    )
    detector.process_request(Request(ARTICLE_URL, meta={"lianzhou_kind": "article"}))
    detector.process_request(Request(ARTICLE_URL, meta={"lianzhou_kind": "article"}))
    detector.process_request(Request(f"{BASE}/robots.txt"))
    stats = crawler.stats
    assert stats.get_value("lianzhou/requests/listing") == 1
    assert stats.get_value("lianzhou/requests/article") == 2
    assert stats.get_value("lianzhou/requests/other") == 1


def test_412_and_a_javascript_challenge_are_blocks_a_normal_page_is_not():
    crawler = get_crawler(PlainSpider)
    detector = BlockDetector.from_crawler(crawler)
    refused = html_response(ARTICLE_URL, b"", status=412)
    challenge = html_response(f"{BASE}/zwgk/zwyw/", CHALLENGE)
    normal = html_response(f"{BASE}/zwgk/bmdt/", WHOLE_PAGE)
    for response in (refused, challenge, normal):
        assert detector.process_response(response.request, response) is response
    assert crawler.stats.get_value("lianzhou/errors/blocked") == 2
    assert crawler.stats.get_value("lianzhou/blocked_urls") == [
        {"url": ARTICLE_URL, "status": 412},
        {"url": f"{BASE}/zwgk/zwyw/", "status": 200},
    ]


def test_a_long_article_that_mentions_verification_is_not_a_block():
    crawler = get_crawler(PlainSpider)
    detector = BlockDetector.from_crawler(crawler)
    article = (
        "<html><head><script>var _hmt = [];</script></head><body>"
        + "<p>市场监管局开展计量器具安全验证专项检查。</p>" * 600
        + "</body></html>"
    ).encode()
    assert len(article) >= 20_000  # only short pages are read as challenges
    response = html_response(ARTICLE_URL, article)
    detector.process_response(response.request, response)
    assert crawler.stats.get_value("lianzhou/errors/blocked") is None


def test_blocked_urls_are_capped_at_twenty_while_all_blocks_are_counted():
    crawler = get_crawler(PlainSpider)
    detector = BlockDetector.from_crawler(crawler)
    for n in range(25):
        response = html_response(f"{BASE}/zwgk/lzyw/index_{n}.html", b"", status=429)
        detector.process_response(response.request, response)
    urls = crawler.stats.get_value("lianzhou/blocked_urls")
    assert crawler.stats.get_value("lianzhou/errors/blocked") == 25
    assert len(urls) == 20
    assert urls[0] == {"url": f"{BASE}/zwgk/lzyw/index_0.html", "status": 429}
    assert urls[-1]["url"] == f"{BASE}/zwgk/lzyw/index_19.html"


# --------------------------------------------------------------------------
# DedupePipeline


def article(article_id: str, url: str, **fields) -> ArticleItem:
    return ArticleItem(article_id=article_id, url=url, **fields)


def test_second_item_with_the_same_article_id_is_dropped_naming_both_urls():
    crawler = get_crawler(PlainSpider)
    pipeline = DedupePipeline.from_crawler(crawler)
    portal = f"{BASE}/zwgk/lzyw/content/post_1234567.html"
    mirror = f"{BASE}/mirror/zwgk/lzyw/content/post_1234567.html"
    other = f"{BASE}/zwgk/zwyw/content/post_7654321.html"
    first = article("lianzhou:1234567", portal)
    assert pipeline.process_item(first) is first
    assert pipeline.process_item(article("lianzhou:7654321", other)) is not None
    with pytest.raises(DropItem) as dropped:
        pipeline.process_item(article("lianzhou:1234567", mirror))
    message = str(dropped.value)
    assert "lianzhou:1234567" in message
    assert mirror in message and portal in message
    assert message.index(mirror) < message.index(portal)  # the drop, then the kept
    assert dropped.value.log_level == "INFO"  # an expected event, not a warning
    assert crawler.stats.get_value("lianzhou/items/emitted") == 2
    assert crawler.stats.get_value("lianzhou/items/dropped/duplicate") == 1


def test_a_new_run_starts_with_no_article_seen():
    item_url = f"{BASE}/zwgk/lzyw/content/post_1.html"
    for _ in range(2):  # a new crawler, a new run: nothing carried over
        crawler = get_crawler(PlainSpider)
        pipeline = DedupePipeline.from_crawler(crawler)
        item = article("lianzhou:1", item_url)
        assert pipeline.process_item(item) is item
        assert crawler.stats.get_value("lianzhou/items/dropped/duplicate") is None


# --------------------------------------------------------------------------
# SimplifiedScriptPipeline


def traditional_item() -> ArticleItem:
    return ArticleItem(
        article_id="lianzhou:1",
        url=f"{BASE}/mirror/zwgk/lzyw/content/post_1.html",
        title="連州市召開會議",
        source="連州市融媒體中心",
        channel="連州要聞",
        body="會議強調，要發揮領導作用。",
        credits={"reporter": ["黃津"], "editor": ["葉鎮祖"]},
        lang="zh-Hant",
        simplified=None,
    )


@pytest.mark.parametrize("settings", [{}, {"LIANZHOU_SIMPLIFIED": "off"}])
def test_simplified_off_is_not_configured(settings):
    with pytest.raises(NotConfigured):
        SimplifiedScriptPipeline.from_crawler(get_crawler(PlainSpider, settings))


def test_simplified_bad_value_is_refused_naming_the_choices():
    crawler = get_crawler(PlainSpider, {"LIANZHOU_SIMPLIFIED": "yes"})
    with pytest.raises(ValueError, match=r"LIANZHOU_SIMPLIFIED must be one of .*'yes'"):
        SimplifiedScriptPipeline.from_crawler(crawler)


def test_simplified_alongside_keeps_the_original_and_adds_a_copy():
    crawler = get_crawler(PlainSpider, {"LIANZHOU_SIMPLIFIED": "alongside"})
    pipeline = SimplifiedScriptPipeline.from_crawler(crawler)
    item = pipeline.process_item(traditional_item())
    original = traditional_item()
    for name in ("title", "source", "channel", "body", "credits", "lang"):
        assert item[name] == original[name], name
    assert item["simplified"] == {
        "title": "连州市召开会议",
        "source": "连州市融媒体中心",
        "channel": "连州要闻",
        "body": "会议强调，要发挥领导作用。",
        "credits": {"reporter": ["黄津"], "editor": ["叶镇祖"]},
    }


def test_simplified_replace_converts_the_fields_and_says_from_what():
    crawler = get_crawler(PlainSpider, {"LIANZHOU_SIMPLIFIED": "replace"})
    pipeline = SimplifiedScriptPipeline.from_crawler(crawler)
    item = pipeline.process_item(traditional_item())
    assert item["title"] == "连州市召开会议"
    assert item["body"] == "会议强调，要发挥领导作用。"
    assert item["credits"] == {"reporter": ["黄津"], "editor": ["叶镇祖"]}
    assert item["lang"] == "zh-Hans"
    assert item["simplified"] == {"converted_from": "zh-Hant"}


@pytest.mark.parametrize("mode", ["alongside", "replace"])
def test_simplified_items_are_left_as_they_are(mode):
    crawler = get_crawler(PlainSpider, {"LIANZHOU_SIMPLIFIED": mode})
    pipeline = SimplifiedScriptPipeline.from_crawler(crawler)
    item = traditional_item()
    item.update(title="连州市召开会议", body="会议强调。", lang="zh-Hans")
    before = dict(item)
    assert dict(pipeline.process_item(item)) == before


# --------------------------------------------------------------------------
# QuietDropFormatter


def test_quiet_drop_formatter_logs_the_reason_without_the_item():
    crawler = get_crawler(
        PlainSpider, {"LOG_FORMATTER": "lianzhou_news.extensions.QuietDropFormatter"}
    )
    formatter = crawler.logformatter
    assert isinstance(formatter, QuietDropFormatter)
    spider = PlainSpider.from_crawler(crawler)
    item = traditional_item()
    item["body"] = "一段很长的正文，不应出现在日志里。" * 50
    response = html_response(item["url"], WHOLE_PAGE)
    reason = f"duplicate article lianzhou:1: {item['url']} (already emitted from x)"
    entry = formatter.dropped(
        item, DropItem(reason, log_level="INFO"), response, spider
    )
    logged = entry["msg"] % entry["args"]
    assert logged == f"Dropped: {reason}"
    assert "正文" not in logged
    assert entry["level"] == logging.INFO
    # Without a level of its own, a drop keeps Scrapy's default level.
    entry = formatter.dropped(item, DropItem("rejected"), response, spider)
    assert entry["msg"] % entry["args"] == "Dropped: rejected"
    assert entry["level"] == logging.WARNING
