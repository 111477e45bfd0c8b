"""Publication times as printed on a page, read into Beijing time.

Every timestamp carries the +08:00 offset: the sites publish Beijing time, and
neither the machine's zone nor its clock may leak in (``now`` is passed in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

#: China Standard Time. Every timestamp this project emits carries this offset:
#: the sites publish Beijing time, and the machine's own zone must never leak in.
CST = timezone(timedelta(hours=8), "Asia/Shanghai")

#: Earliest publication date we accept; the portal family is younger than this.
EARLIEST_DATE = datetime(1990, 1, 1, tzinfo=CST)


@dataclass(frozen=True)
class Timestamp:
    """A publication time in Beijing time, with what the page really said."""

    value: datetime
    precision: str  # "day", "minute" or "second"
    raw: str

    def isoformat(self) -> str:
        """ISO 8601 with the +08:00 offset, whatever the precision.

        A date-only value is midnight Beijing time of that date, never a
        UTC conversion of it; ``precision`` says that only the day is known.
        """
        return self.value.isoformat(timespec="seconds")


_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:T\s*)?(?P<H>\d{1,2})\s*[:：时時]\s*(?P<M>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
# English month names, as blog platforms print them: "Dec 28 Sat 2013 00:28"
# (PIXNET: real/third_party/mozilla-readability/test/test-pages/pixnet/source.html,
# whose only date this is; tests/test_real_pages.py needs a timestamp there).
_EN_DATE_RE = re.compile(
    r"\b(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+(?P<d>\d{1,2})"
    r"(?:\s+(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*)?,?\s+(?P<y>(?:19|20)\d{2})"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?",
    re.IGNORECASE,
)


# Taiwanese portals print ROC (Minguo) years: 民國115年3月19日, or bare and
# zero-padded as 115.03.19 (the MND bulletin, tests/fixtures/gov). Year + 1911.
# A bare form needs two-digit month and day and nothing dotted around it, so
# that a version number or an IP address is not read as a date.
_ROC_DATE_RE = re.compile(
    r"(?:中華民國|中华民国|民國|民国)\s*(?P<ry>\d{2,3})\s*年\s*(?P<rm>\d{1,2})\s*月\s*(?P<rd>\d{1,2})\s*日"
    r"|(?<![\d./-])(?P<y>1[01]\d|[89]\d)(?P<sep>[./-])(?P<m>0[1-9]|1[0-2])(?P=sep)"
    r"(?P<d>[0-3]\d)(?![\d./-])(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"
)
ROC_OFFSET = 1911


def _roc_parts(match: re.Match) -> dict[str, int]:
    """The Gregorian date parts of an ROC date match."""
    groups = match.groupdict()
    if groups["ry"]:
        year, month, day = groups["ry"], groups["rm"], groups["rd"]
        parts = {}
    else:
        year, month, day = groups["y"], groups["m"], groups["d"]
        parts = {k: int(groups[k]) for k in ("H", "M", "S") if groups[k]}
    return {"y": int(year) + ROC_OFFSET, "m": int(month), "d": int(day), **parts}


def find_date(text: str | None) -> str | None:
    """The first full date (with its time, if printed) in a line, as printed.

    >>> find_date("2019-09-07 15:14:21 来源: 新京报")
    '2019-09-07 15:14:21'
    >>> find_date("Dec 28 Sat 2013 00:28")
    'Dec 28 Sat 2013 00:28'
    >>> find_date("區域動態 115.03.19 發布單位：政治作戰局")  # ROC year
    '115.03.19'
    >>> find_date("没有日期") is None, find_date("版本 1.10.02.3") is None
    (True, True)
    """
    match = (
        (_DATE_RE.search(text) or _EN_DATE_RE.search(text) or _ROC_DATE_RE.search(text))
        if text
        else None
    )
    return match.group(0).strip() if match else None


# Month and day without a year, as listings and some info lines print them:
# "03-22 17:01", "3月22日". Only tried on short, labelled values.
_YEARLESS_RE = re.compile(
    r"(?<![\d年/.-])(?P<m>\d{1,2})\s*[-/月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2})(?:\s*[:：]\s*(?P<S>\d{2}))?)?(?![\d月])"
)


_RELATIVE_RE = re.compile(r"前|昨|今|刚|剛|小时|小時|分钟|分鐘")


def parse_timestamp(
    text: str | None, *, now: datetime, reference: datetime | None = None
) -> Timestamp | None:
    """Parse a publication time printed on a page into Beijing time.

    A regex fast path covers every form these sites print; dateparser is the
    fallback, pinned to Chinese, Asia/Shanghai and ``now`` so that neither the
    host clock nor the host zone can leak in. Dates before 1990 or after
    ``now`` are impossible for a published article and give None. A month and
    day without a year take the year of ``reference`` (the listing's date, the
    URL's, another date of the page), or the year before when that would put
    them after it; with no ``reference`` they give None: the clock's year is
    no evidence (a page of 2004 read in 2026 is not of 2026).

    >>> now = datetime(2026, 11, 27, tzinfo=CST)
    >>> parse_timestamp("2023-03-22 17:01:12", now=now).isoformat()
    '2023-03-22T17:01:12+08:00'
    >>> t = parse_timestamp("2023年3月22日", now=now); t.isoformat(), t.precision
    ('2023-03-22T00:00:00+08:00', 'day')
    >>> parse_timestamp("发布时间：2023/03/22 17:01", now=now).precision
    'minute'
    >>> parse_timestamp("2023.03.22", now=now).isoformat()
    '2023-03-22T00:00:00+08:00'
    >>> parse_timestamp("Dec 28 Sat 2013 00:28", now=now).isoformat()
    '2013-12-28T00:28:00+08:00'
    >>> parse_timestamp("115.03.19", now=now).isoformat()  # ROC: 115 + 1911
    '2026-03-19T00:00:00+08:00'
    >>> parse_timestamp("中華民國115年3月18日", now=now).isoformat()
    '2026-03-18T00:00:00+08:00'
    >>> parse_timestamp("03-22 17:01", now=now) is None  # no year: not the clock's
    True
    >>> page = datetime(2019, 10, 1, tzinfo=CST)
    >>> parse_timestamp("09-3022:46", now=now, reference=page).isoformat()  # glued
    '2019-09-30T22:46:00+08:00'
    >>> parse_timestamp("12月30日", now=now, reference=page).isoformat()
    '2018-12-30T00:00:00+08:00'
    >>> listed = datetime(2023, 3, 25, tzinfo=CST)
    >>> parse_timestamp("3月22日", now=now, reference=listed).isoformat()
    '2023-03-22T00:00:00+08:00'
    >>> parse_timestamp("2031-01-01", now=now) is None, parse_timestamp("1989-06-01", now=now)
    (True, None)
    """
    if not text:
        return None
    if match := _DATE_RE.search(text):
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
    elif match := _EN_DATE_RE.search(text):
        parts = {k: v for k, v in match.groupdict().items() if v is not None}
        parts["m"] = _MONTHS.index(parts.pop("mon")[:3].lower()) + 1
        parts = {k: int(v) for k, v in parts.items()}
    elif match := _ROC_DATE_RE.search(text):
        parts = _roc_parts(match)
    elif match := _YEARLESS_RE.search(text) if len(text) <= 40 else None:
        if reference is None:
            return None
        parts = {k: int(v) for k, v in match.groupdict().items() if v is not None}
        base = reference.astimezone(CST)
        parts["y"] = base.year
        if (parts["m"], parts["d"]) > (base.month, base.day):
            parts["y"] -= 1  # printed without a year, so it lies in the past
    elif (
        reference is None
        and _YEARLESS_RE.search(text)
        and not _RELATIVE_RE.search(text)
    ):
        return None  # a month and day, too long for the fast path: no year either
    else:
        return _dateparser_timestamp(text, now=now)
    precision = "second" if "S" in parts else "minute" if "M" in parts else "day"
    try:
        value = datetime(
            parts["y"],
            parts["m"],
            parts["d"],
            parts.get("H", 0),
            parts.get("M", 0),
            parts.get("S", 0),
            tzinfo=CST,
        )
    except ValueError:
        return None
    return _if_possible(Timestamp(value, precision, match.group(0).strip()), now)


def _if_possible(timestamp: Timestamp | None, now: datetime) -> Timestamp | None:
    if timestamp is None:
        return None
    if EARLIEST_DATE <= timestamp.value <= now.astimezone(CST) + timedelta(days=1):
        return timestamp
    return None


def _dateparser_timestamp(text: str, *, now: datetime) -> Timestamp | None:
    """Relative and unusual forms, through dateparser pinned to Beijing and ``now``.

    >>> now = datetime(2026, 11, 27, 10, 0, tzinfo=CST)
    >>> parse_timestamp("3小时前", now=now).isoformat()
    '2026-11-27T07:00:00+08:00'
    >>> t = parse_timestamp("昨天 10:30", now=now); t.isoformat(), t.precision
    ('2026-11-26T10:30:00+08:00', 'minute')
    >>> t = parse_timestamp("2天前", now=now); t.isoformat(), t.precision
    ('2026-11-25T00:00:00+08:00', 'day')
    """
    value = _dateparser_fallback(text, now=now)
    if value is None:
        return None
    # What the text really said: a clock time or hours/minutes ago, else a day.
    if re.search(r"\d[:：]\d|小时|小時|分钟|分鐘|秒|刚刚|剛剛", text):
        precision = "second" if value.second else "minute"
    else:
        precision, value = "day", value.replace(hour=0, minute=0, second=0)
    value = value.replace(microsecond=0)
    return _if_possible(Timestamp(value, precision, text.strip()), now)


def _dateparser_fallback(text: str, *, now: datetime) -> datetime | None:
    # Imported lazily: dateparser costs ~0.5 s to import and is rarely needed.
    import dateparser

    if len(text) > 80:  # pathological inputs take dateparser seconds
        return None
    parsed = dateparser.parse(
        text,
        languages=["zh"],
        settings={
            "TIMEZONE": "Asia/Shanghai",
            "TO_TIMEZONE": "Asia/Shanghai",
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": now.astimezone(CST).replace(tzinfo=None),
        },
    )
    return parsed.astimezone(CST) if parsed else None


def merge_timestamps(
    first: Timestamp | None, second: Timestamp | None
) -> Timestamp | None:
    """Combine two readings of one time: the more precise wins where they agree.

    >>> now = datetime(2026, 11, 27, tzinfo=CST)
    >>> meta = parse_timestamp("2023-03-22 17:01", now=now)
    >>> info = parse_timestamp("2023-03-22 17:01:12", now=now)
    >>> merge_timestamps(meta, info).isoformat()
    '2023-03-22T17:01:12+08:00'
    >>> merge_timestamps(info, parse_timestamp("2023-03-21", now=now)).isoformat()
    '2023-03-22T17:01:12+08:00'
    """
    if first is None or second is None:
        return first or second
    order = ("day", "minute", "second")
    coarse, fine = sorted((first, second), key=lambda t: order.index(t.precision))
    if _truncate(fine.value, coarse.precision) == coarse.value:
        return fine
    return first  # they disagree: keep the reading of the more trusted layer


def _truncate(value: datetime, precision: str) -> datetime:
    if precision == "day":
        return value.replace(hour=0, minute=0, second=0)
    if precision == "minute":
        return value.replace(second=0)
    return value
