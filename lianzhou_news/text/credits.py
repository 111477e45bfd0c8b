"""Credit lines (记者, 编辑, 校对, 审核, 摄影 …) and photo-caption credits, as role -> names."""

from __future__ import annotations

import re

from .cleaning import CJK

#: Printed role labels (both scripts) and the roles each is filed under.
ROLE_LABELS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(["记者", "記者", "本报记者", "本報記者"], ("reporter",)),
    **dict.fromkeys(
        [
            "编辑",
            "編輯",
            "责任编辑",
            "責任編輯",
            "责编",
            "責編",
            "实习编辑",
            "實習編輯",
        ],
        ("editor",),
    ),
    **dict.fromkeys(["校对", "校對"], ("proofreader",)),
    **dict.fromkeys(
        [
            "审核",
            "審核",
            "審覈",
            "审校",
            "審校",
            "审稿",
            "審稿",
            "终审",
            "終審",
            "一审",
            "一審",
            "二审",
            "二審",
            "三审",
            "三審",
        ],
        ("reviewer",),
    ),
    **dict.fromkeys(["摄影", "攝影", "图", "圖", "摄", "攝"], ("photographer",)),
    **dict.fromkeys(["通讯员", "通訊員"], ("correspondent",)),
    **dict.fromkeys(["撰写", "撰寫", "撰稿", "文", "文字", "作者"], ("writer",)),
    **dict.fromkeys(
        ["文/图", "文/圖", "图/文", "圖/文", "文图", "文圖", "图文", "圖文"],
        ("writer", "photographer"),
    ),
    **dict.fromkeys(["海报", "海報", "设计", "設計", "美编", "美編"], ("designer",)),
    **dict.fromkeys(
        ["视频", "視頻", "摄像", "攝像", "剪辑", "剪輯"], ("videographer",)
    ),
    **dict.fromkeys(["策划", "策劃", "统筹", "統籌", "监制", "監製"], ("producer",)),
    **dict.fromkeys(["翻译", "翻譯"], ("translator",)),
}

# Single-character labels (文, 图, 摄) are only credits when clearly marked:
# in brackets or with a colon or slash, never followed by a plain space.
_SHORT_LABELS = {label for label in ROLE_LABELS if len(label) == 1}
_LABEL_ALT = "|".join(sorted(map(re.escape, ROLE_LABELS), key=len, reverse=True))
_LONG_LABEL_ALT = "|".join(
    sorted(
        (re.escape(x) for x in ROLE_LABELS if x not in _SHORT_LABELS),
        key=len,
        reverse=True,
    )
)
_CREDIT_LABEL_RE = re.compile(
    rf"(?:^|(?<=[\s/|；;，,】]))(?:"
    rf"[【\[](?P<bracketed>{_LABEL_ALT})[】\]]\s*"
    rf"|(?P<colon>{_LABEL_ALT})\s*[:：/]\s*"
    rf"|(?P<spaced>{_LONG_LABEL_ALT})\s+"
    r")"
)
_NAME_SPLIT_RE = re.compile(r"[\s、，,/／;；|]+")
_NAME_RE = re.compile(rf"^(?:[{CJK}·•]{{1,8}}|[A-Za-z][A-Za-z.\-]{{0,30}})$")
# Portal staff codes glued to editor names: "杨倩_NF4425" (163.com:
# real/third_party/gne/tests/163/*.html, 163/2.html labelled); a code alone,
# "（责任编辑： HN666）", is hexun.com's (gne/tests/hexun/1.html).
_STAFF_CODE_RE = re.compile(r"_[A-Z]{1,4}\d{2,6}$")
_STAFF_ONLY_RE = re.compile(r"^[A-Z]{1,4}\d{2,6}$")


#: Names kept per role from one credit line; a line that credits more is cut
#: (a list of 10,000 names is no byline) and its item flagged ``credits:truncated``.
CREDIT_NAMES_MAX = 100
#: Characters of a credit line kept in ``credits_raw``; a longer one is cut,
#: ending in "…". Any line past CREDIT_NAMES_MAX names is longer than this.
CREDIT_RAW_MAX = 200


def parse_credit_line(line: str) -> dict[str, list[str]] | None:
    """Parse a whole line of credits into role -> names, or None if it is not one.

    A line counts only when it consists of nothing but role labels and names,
    so a body sentence that mentions a 记者 is never taken for a credit. A
    label printed with no name (or only a staff code) is a credit line that
    credits nobody: ``{}``.

    >>> parse_credit_line("记者:黃瀅 袁安杰")
    {'reporter': ['黃瀅', '袁安杰']}
    >>> parse_credit_line("【撰写】黄津 张晓欣 【海报】李明")
    {'writer': ['黄津', '张晓欣'], 'designer': ['李明']}
    >>> parse_credit_line("编辑 叶镇祖")
    {'editor': ['叶镇祖']}
    >>> parse_credit_line("记者：黄滢、袁安杰 / 编辑：黄艺")
    {'reporter': ['黄滢', '袁安杰'], 'editor': ['黄艺']}
    >>> parse_credit_line("文/图：刘玺东 易赛楠")
    {'writer': ['刘玺东', '易赛楠'], 'photographer': ['刘玺东', '易赛楠']}
    >>> parse_credit_line("责任编辑：杨倩_NF4425")
    {'editor': ['杨倩']}
    >>> parse_credit_line("（责任编辑： HN666）"), parse_credit_line("责任编辑：")
    ({}, {})
    >>> parse_credit_line("记者在现场看到，群众热情高涨。") is None
    True
    >>> parse_credit_line("文 化活动") is None
    True

    A line of any length counts, in time linear in it, but only its first
    ``CREDIT_NAMES_MAX`` names per role are kept (``bound_credit_line`` cuts
    its printed form):

    >>> len(parse_credit_line("记者：" + " ".join(["黄滢"] * 10 + ["袁安杰"] * 500))["reporter"])
    2
    >>> len(parse_credit_line("记者：" + " ".join(f"黄{chr(0x4e00 + n)}" for n in range(500)))["reporter"])
    100
    """
    if line[:1] in "（(" and line[-1:] in "）)":
        line = line[1:-1].strip()  # "（责任编辑： HN666）"
    matches = list(_CREDIT_LABEL_RE.finditer(line))
    if not matches or matches[0].start() != 0:
        return None
    credits: dict[str, list[str]] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
        label = (
            match.group("bracketed") or match.group("colon") or match.group("spaced")
        )
        names = [n for n in _NAME_SPLIT_RE.split(line[match.end() : end]) if n]
        names = [
            _STAFF_CODE_RE.sub("", n) for n in names if not _STAFF_ONLY_RE.match(n)
        ]
        if not all(_NAME_RE.match(n) for n in names):
            return None
        merge_credits(credits, dict.fromkeys(ROLE_LABELS[label], names))
    for names in credits.values():
        del names[CREDIT_NAMES_MAX:]
    return credits


def bound_credit_line(line: str) -> tuple[str, bool]:
    """A credit line as kept in ``credits_raw``, and whether it had to be cut.

    >>> bound_credit_line("记者：黄滢")
    ('记者：黄滢', False)
    >>> raw, cut = bound_credit_line("记者：" + "黄滢 " * 100)
    >>> len(raw), raw[-1], cut
    (200, '…', True)
    """
    if len(line) <= CREDIT_RAW_MAX:
        return line, False
    return line[: CREDIT_RAW_MAX - 1] + "…", True


# A photo caption that ends with its photographer: "……现场。黄滢 摄", "(王五 摄)".
_CAPTION_NAMES = rf"(?:(?:记者|記者|通讯员|通訊員)\s*)?(?P<names>[{CJK}]{{2,4}}(?:[\s、][{CJK}]{{2,4}})*)"
_CAPTION_CREDIT_RE = re.compile(
    rf"[（(]\s*{_CAPTION_NAMES}\s*[/／]?\s*(?:摄|攝)\s*[)）]$"
    rf"|(?:^|(?<=[\s。.！!？?）)])){_CAPTION_NAMES.replace('names', 'names2')}\s*[/／]?\s*(?:摄|攝)$"
)


_CAPTION_WINDOW = 80


def split_caption_credit(line: str) -> tuple[str, list[str], str | None]:
    """Split a photographer credit off the end of a caption line.

    Returns the caption without the credit, the names, and the credit as printed.

    >>> split_caption_credit("连州菜心丰收，农户忙采摘。黄滢 摄")
    ('连州菜心丰收，农户忙采摘。', ['黄滢'], '黄滢 摄')
    >>> split_caption_credit("活动现场（记者 袁安杰 攝）")
    ('活动现场', ['袁安杰'], '（记者 袁安杰 攝）')
    >>> split_caption_credit("会议现场。")
    ('会议现场。', [], None)
    """
    # Only the line's end is searched: the credit closes it, and the pattern's
    # runs of names made a long line cost quadratic time.
    match = _CAPTION_CREDIT_RE.search(line, max(0, len(line) - _CAPTION_WINDOW))
    if not match:
        return line, [], None
    names = match.group("names") or match.group("names2")
    return (
        line[: match.start()].rstrip(),
        _NAME_SPLIT_RE.split(names),
        match.group(0).strip(),
    )


def merge_credits(target: dict[str, list[str]], extra: dict[str, list[str]]) -> None:
    """Add ``extra``'s names to ``target`` in place, keeping order, no repeats."""
    for role, names in extra.items():
        if not names:
            continue
        bucket = target.setdefault(role, [])
        # A set for membership: a page with thousands of names stays linear.
        seen = set(bucket)
        for name in names:
            if name not in seen:
                seen.add(name)
                bucket.append(name)


# Label forms parse_credit_line reads another way: "文/图 X" (both roles, then a
# space), 特约通讯员 / 特约记者 (a kind of correspondent, reporter).
_JOINT_LABEL_RE = re.compile(r"^([（(]?)(文/图|文/圖|图/文|圖/文)\s+")
_SPECIAL_RE = re.compile(r"特约(?=通讯员|通訊員|记者|記者)|特約(?=通訊員|記者)")


def read_credit_line(line: str) -> dict[str, list[str]] | None:
    """``parse_credit_line`` after the label forms it does not know are normalised.

    >>> read_credit_line("文/图 张三")
    {'writer': ['张三'], 'photographer': ['张三']}
    >>> read_credit_line("特约通讯员 李四")
    {'correspondent': ['李四']}
    """
    line = _SPECIAL_RE.sub("", _JOINT_LABEL_RE.sub(r"\1\2：", line))
    return parse_credit_line(line)


# "平潭时报讯 (记者 杨丽芳 通讯员 陈城沐)昨日……": credits at the head of the text.
_HEAD_CREDIT_RE = re.compile(
    r"^.{0,16}?[（(]\s*((?:特约|特約)?(?:记者|記者|通讯员|通訊員|本报记者|本報記者)"
    r"[^（）()。]{1,60})[）)]"
)


def head_credits(paragraph: str) -> dict[str, list[str]] | None:
    """Credits printed in brackets at the head of the first paragraph (the
    text itself keeps them: they are part of its dateline).

    >>> head_credits("平潭时报讯 (记者 杨丽芳 通讯员 陈城沐)昨日12时许，")
    {'reporter': ['杨丽芳'], 'correspondent': ['陈城沐']}
    >>> head_credits("本报讯（记者 王五）近日") , head_credits("会议（记者会）召开") is None
    ({'reporter': ['王五']}, True)
    """
    match = _HEAD_CREDIT_RE.match(paragraph)
    return read_credit_line(match.group(1).strip()) or None if match else None
