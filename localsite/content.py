"""What the bundled offline copy of the site says, as data.

The articles are written by us, modeled on what docs/site.md reports of the real
portal: three news columns, sources 连州市融媒体中心 / 南方+ / 连州市档案局 (and
a few departments), the media-center credit block and the 南方+ 【撰写】 block,
images with captions, and the seed article twice (as the portal would publish
it, and as the Traditional-Chinese mirror in ``seed_mirror.txt`` renders it).

Because this module is the site's ground truth, the end-to-end test compares
the crawl's items with it: they are checked against what the pages were made
from, never against an earlier run of the extractor.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Image:
    src: str
    alt: str
    caption: str | None = None  # the caption paragraph printed under it
    photographer: str | None = None  # printed as "<caption>。<name> 摄"

    @property
    def printed_caption(self) -> str | None:
        """The caption as the page prints it, photographer credit included."""
        if self.caption is None:
            return None
        return self.caption + (f"{self.photographer} 摄" if self.photographer else "")


@dataclass
class Article:
    article_id: str
    column: str  # key of COLUMNS: the column it is published in
    title: str
    source: str
    published: str  # "YYYY-MM-DD HH:MM:SS", Beijing time, as the info line prints it
    paragraphs: list[str | Image]
    credit_style: (
        str  # "media" (记者：), "nanfang" (【撰写】), "byline" (撰稿：… 审核：…)
    )
    credits: dict[str, list[str]] = field(default_factory=dict)
    with_meta: bool = False  # carries ArticleTitle/PubDate/ContentSource/ColumnName
    also_listed_in: tuple[str, ...] = ()  # other columns that list it under their path
    mirrored: bool = False  # also served under /mirror/, in Traditional script

    @property
    def text_paragraphs(self) -> list[str]:
        """The body as a reader should get it: text, captions without 摄 credits."""
        lines = []
        for part in self.paragraphs:
            if isinstance(part, Image):
                if part.caption:
                    lines.append(part.caption)
            else:
                lines.append(part)
        return lines

    @property
    def all_credits(self) -> dict[str, list[str]]:
        """Credits including photographers named in captions."""
        merged = {role: list(names) for role, names in self.credits.items()}
        for part in self.paragraphs:
            if isinstance(part, Image) and part.photographer:
                bucket = merged.setdefault("photographer", [])
                if part.photographer not in bucket:
                    bucket.append(part.photographer)
        return merged


@dataclass(frozen=True)
class Column:
    key: str
    path: str  # e.g. "/zwgk/lzyw/"
    name: str
    per_page: int
    pagination: str  # "totalpage" (Math.ceil JS), "pager" (a.next links), "limited" (pages_limit)


COLUMNS = {
    "lzyw": Column("lzyw", "/zwgk/lzyw/", "连州要闻", 12, "totalpage"),
    "zwyw": Column("zwyw", "/zwgk/zwyw/", "政务要闻", 10, "pager"),
    "bmdt": Column("bmdt", "/zwgk/bmdt/", "部门动态", 8, "limited"),
}

#: Post id of the seed article on the demo site (the real id is unknown).
SEED_ID = "1686531"

TOWNS = [
    "连州镇",
    "西岸镇",
    "保安镇",
    "星子镇",
    "大路边镇",
    "九陂镇",
    "丰阳镇",
    "东陂镇",
    "西江镇",
    "龙坪镇",
    "三水瑶族乡",
    "瑶安瑶族乡",
]
CROPS = ["菜心", "水晶梨", "东陂腊味", "沙坊粉", "油茶", "西岸冬瓜"]

# (title, [paragraphs]) templates; {town}, {crop}, {month}, {day}, {n}, {m} are filled in.
TOPICS = [
    (
        "{town}扎实推进乡村振兴 {crop}产业带动群众增收",
        [
            "{month}月{day}日，记者走进{town}，田间地头一派繁忙景象，村民们正忙着打理{crop}。",
            "近年来，{town}立足资源禀赋，把{crop}产业作为乡村振兴的重要抓手，推行“合作社+基地+农户”模式，带动{n}户群众稳定增收。",
            "“今年的{crop}长势好、价格稳，一亩地能多挣{m}千元。”种植户老李高兴地说。",
            "下一步，{town}将继续完善冷链物流和电商销售体系，擦亮{crop}品牌。",
        ],
    ),
    (
        "{town}开展新时代文明实践志愿服务活动",
        [
            "{month}月{day}日，{town}新时代文明实践所组织志愿者深入村（社区）开展志愿服务活动。",
            "志愿者们分成{n}个小组，为群众提供义诊、政策宣讲、家电维修等服务，现场气氛热烈。",
            "此次活动共服务群众{m}百余人次，进一步打通了宣传群众、服务群众的“最后一公里”。",
        ],
    ),
    (
        "我市召开{month}月份安全生产工作会议",
        [
            "{month}月{day}日，连州市召开安全生产工作会议，通报近期全市安全生产形势，部署下阶段重点工作。",
            "会议指出，当前正值生产经营旺季，各镇（乡）、各部门要压紧压实安全生产责任，深入开展隐患排查整治。",
            "会议要求，要聚焦道路交通、消防、建筑施工、危险化学品等重点领域，坚决防范遏制重特大事故发生。",
        ],
    ),
    (
        "{town}全力做好防汛备汛工作",
        [
            "入汛以来，{town}坚持“防大汛、抗大洪、抢大险”的思路，全面做好防汛备汛各项工作。",
            "该镇组织力量对辖区{n}座山塘水库、{m}处地质灾害隐患点开展拉网式排查，落实“一点一策”。",
            "同时，{town}储备了编织袋、救生衣、冲锋舟等防汛物资，并组织开展防汛应急演练。",
        ],
    ),
    (
        "连州市举办重点项目集中签约活动 总投资{n}亿元",
        [
            "{month}月{day}日，连州市举办重点项目集中签约活动，现场签约项目{m}个，总投资{n}亿元。",
            "签约项目涵盖现代农业、先进制造、文化旅游等领域，将为连州高质量发展注入新动能。",
            "连州市有关负责人表示，将持续优化营商环境，做好项目跟踪服务，推动项目早落地、早投产、早见效。",
        ],
    ),
    (
        "连州市档案局开展“{theme}”主题宣传活动",
        [
            "{month}月{day}日，连州市档案局在{town}开展“{theme}”主题宣传活动。",
            "活动现场通过展板展示、发放资料、现场解答等形式，向群众普及档案法律法规和档案知识，共发放宣传资料{m}百余份。",
            "下一步，连州市档案局将持续加强档案资源建设，讲好连州档案故事。",
        ],
    ),
    (
        "{town}中心学校开展“{theme}”主题教育活动",
        [
            "{month}月{day}日，{town}中心学校开展“{theme}”主题教育活动，全校{m}百余名师生参加。",
            "活动通过主题班会、手抄报评比、知识竞赛等形式，引导学生在实践中增长见识、锤炼品格。",
            "学校负责人表示，将把主题教育融入日常教学，持续推动学生全面发展。",
        ],
    ),
    (
        "连州地下河景区迎来游客高峰 {month}月接待游客{n}万人次",
        [
            "{month}月以来，连州地下河景区迎来游客高峰，景区内游人如织，欢声笑语不断。",
            "据统计，{month}月景区共接待游客{n}万人次，同比增长{m}成以上，带动周边餐饮、住宿消费明显回暖。",
            "为保障游客游览体验，景区增派工作人员维持秩序，并推出预约分时游览服务。",
        ],
    ),
    (
        "医共体“心相连”服务延伸到{town}",
        [
            "{month}月{day}日，连州市医共体“心相连”巡回义诊活动走进{town}，为当地群众送去优质医疗服务。",
            "来自市人民医院的{n}名专家为群众提供健康咨询、常见病诊治和慢性病随访服务，共接诊群众{m}百余人次。",
            "群众纷纷表示，在家门口就能看上专家，省时省力又省钱。",
        ],
    ),
]
THEMES = [
    "档案话发展 奋进新时代",
    "喜迎国庆",
    "法治进乡村",
    "垃圾分类 从我做起",
    "安全伴我行",
]

MEDIA_TEAM = {
    "reporter": ["黄滢", "袁安杰", "李俊杰", "陈晓敏", "欧阳文"],
    "editor": ["黄艺", "周婷"],
    "proofreader": ["唐芳", "邓丽华"],
    "reviewer": ["吴哲华", "何志刚"],
}
NANFANG_TEAM = {
    "writer": ["黄津", "张晓欣", "刘子豪"],
    "designer": ["李明"],
    "correspondent": ["连宣", "成文华"],
    "editor": ["叶镇祖"],
    "proofreader": ["吴荊子"],
}
DEPARTMENT_SOURCES = ["连州市档案局", "连州市应急管理局", "连州市教育局"]


def seed_portal_article() -> Article:
    """The seed article as the portal would publish it: Simplified, full-width colons.

    Its paragraphs were made once from ``seed_mirror.txt`` (OpenCC t2s, pinyin
    removed, punctuation made full-width) and reviewed by hand; the damaged
    span in the sixth paragraph is kept, because docs/site.md says the damage is
    on the source itself.
    """
    # Beside this module: localsite is not an installed package.
    data = json.loads(
        (Path(__file__).parent / "seed_portal_body.json").read_text(encoding="utf-8")
    )
    paragraphs: list[str | Image] = []
    for index, text in enumerate(data):
        if text is None:
            paragraphs.append(
                Image(f"/zwgk/lzyw/content/images/2023-03/seed_{index}.jpg", "图片")
            )
        else:
            paragraphs.append(text)
    return Article(
        article_id=SEED_ID,
        column="lzyw",
        title="连州市宣传思想文化工作会议召开 为连州高质量发展提供坚强思想保证和强大精神力量",
        source="连州市融媒体中心",
        published="2023-03-22 17:01:12",
        paragraphs=paragraphs,
        credit_style="media",
        credits={
            "reporter": ["黄滢", "袁安杰"],
            "editor": ["黄艺"],
            "proofreader": ["唐芳"],
            "reviewer": ["吴哲华"],
        },
        mirrored=True,
    )


def demo_articles() -> list[Article]:
    """Every article of the demo site, newest first within each column."""
    rng = random.Random(20230322)  # fixed: the site is the same on every machine
    counts = {"lzyw": 25, "zwyw": 22, "bmdt": 18}
    articles = [seed_portal_article()]
    next_id = 1690000
    for column, count in counts.items():
        for _ in range(count):
            next_id += rng.randint(3, 400)
            articles.append(_generated_article(str(next_id), column, rng))
    # Some stories are cross-listed: published in 政务要闻, listed in 连州要闻 too.
    for article in [a for a in articles if a.column == "zwyw"][2:4]:
        article.also_listed_in = ("lzyw",)
    # Two more mirror copies besides the seed.
    for article in [
        a for a in articles if a.column == "lzyw" and a.article_id != SEED_ID
    ][1:3]:
        article.mirrored = True
    return articles


def synthetic_articles(count: int, seed: int = 5000) -> list[Article]:
    """``count`` articles over the three columns, same templates as the demo: for
    benchmarks that need a site of thousands of articles (bench/)."""
    rng = random.Random(seed)
    columns = list(COLUMNS)
    return [
        _generated_article(str(2_000_000 + index), columns[index % len(columns)], rng)
        for index in range(count)
    ]


def _generated_article(article_id: str, column: str, rng: random.Random) -> Article:
    year = rng.choice([2023, 2024, 2025, 2026])
    month = rng.randint(1, 10 if year == 2026 else 12)
    day = rng.randint(1, 28)
    published = f"{year}-{month:02d}-{day:02d} {rng.randint(8, 21):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    values = {
        "town": rng.choice(TOWNS),
        "crop": rng.choice(CROPS),
        "month": month,
        "day": day,
        "n": rng.randint(12, 98),
        "m": rng.randint(2, 9),
        "theme": rng.choice(THEMES),
    }
    if column == "bmdt":
        title_t, paragraphs_t = TOPICS[5] if rng.random() < 0.5 else rng.choice(TOPICS)
        source = "连州市档案局" if "档案" in title_t else rng.choice(DEPARTMENT_SOURCES)
        style = "byline"
    else:
        title_t, paragraphs_t = rng.choice([t for t in TOPICS if "档案" not in t[0]])
        source = rng.choice(["连州市融媒体中心", "连州市融媒体中心", "南方+"])
        style = "nanfang" if source == "南方+" else "media"
    paragraphs: list[str | Image] = [p.format(**values) for p in paragraphs_t]
    credits = _credits(style, rng)
    if rng.random() < 0.6:
        photographer = rng.choice(MEDIA_TEAM["reporter"]) if style == "media" else None
        caption = f"{values['town']}活动现场。"
        paragraphs.insert(
            1,
            Image(
                f"/uploads/{year}/{month:02d}/{article_id}_1.jpg",
                rng.choice(["图片", f"{article_id}_1.jpg"]),
                caption,
                photographer,
            ),
        )
    return Article(
        article_id=article_id,
        column=column,
        title=title_t.format(**values),
        source=source,
        published=published,
        paragraphs=paragraphs,
        credit_style=style,
        credits=credits,
        with_meta=column == "zwyw",
    )


def _credits(style: str, rng: random.Random) -> dict[str, list[str]]:
    if style == "media":
        return {
            "reporter": rng.sample(MEDIA_TEAM["reporter"], rng.randint(1, 2)),
            "editor": [rng.choice(MEDIA_TEAM["editor"])],
            "proofreader": [rng.choice(MEDIA_TEAM["proofreader"])],
            "reviewer": [rng.choice(MEDIA_TEAM["reviewer"])],
        }
    if style == "nanfang":
        credits = {"writer": rng.sample(NANFANG_TEAM["writer"], 2)}
        if rng.random() < 0.5:
            credits["designer"] = list(NANFANG_TEAM["designer"])
        credits["correspondent"] = [rng.choice(NANFANG_TEAM["correspondent"])]
        credits["editor"] = list(NANFANG_TEAM["editor"])
        credits["proofreader"] = list(NANFANG_TEAM["proofreader"])
        return credits
    return {
        "writer": [rng.choice(["欧阳文", "陈晓敏", "梁志成"])],
        "reviewer": [rng.choice(["何志刚", "邓伟明"])],
    }
