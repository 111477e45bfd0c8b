"""What the portal and the other skins print alike: the mirror's pinyin, the credit lines.

Both ``build.py`` (the portal and mirror skins) and ``skins.py`` (the four
golden-corpus skins) render these, so they live here and neither module
imports the other's private names.
"""

from __future__ import annotations

from .content import Article

# Characters the mirror annotates, with the pinyin it prints after them.
MIRROR_PINYIN = {
    "會": "huì",
    "議": "yì",
    "開": "kāi",
    "發": "fā",
    "時": "shí",
    "間": "jiān",
    "質": "zhì",
    "強": "qiáng",
    "領": "lǐng",
    "導": "dǎo",
    "鎮": "zhèn",
    "鄉": "xiāng",
    "區": "qū",
    "護": "hù",
    "標": "biāo",
    "對": "duì",
    "來": "lái",
    "數": "shù",
}


def portal_credit_lines(article: Article) -> list[str]:
    """The credit block as the portal prints it, one line each, in its credit style."""
    c = article.credits
    if article.credit_style == "media":
        lines = ["- THE END -", "连州市融媒体中心", f"记者：{' '.join(c['reporter'])}"]
        lines += [
            f"编辑：{c['editor'][0]}",
            f"校对：{c['proofreader'][0]}",
            f"审核：{c['reviewer'][0]}",
        ]
        return lines
    if article.credit_style == "nanfang":
        lines = [f"【撰写】{' '.join(c['writer'])}"]
        if "designer" in c:
            lines.append(f"【海报】{' '.join(c['designer'])}")
        lines.append(f"【通讯员】{' '.join(c['correspondent'])}")
        lines += [f"编辑 {c['editor'][0]}", f"校对 {c['proofreader'][0]}"]
        return lines
    return [f"撰稿：{c['writer'][0]}\u3000审核：{c['reviewer'][0]}"]
