"""The summary as one self-contained HTML page, its charts drawn in inline SVG.

No script, no stylesheet or font from the network: the page is one file that
opens anywhere. Labels are SVG text, so the browser draws the Chinese with a
system CJK font (on Debian, ``fonts-noto-cjk``); nothing is rasterised here.
Each chart has its own colours (``COLOURS``), so a test can tell in a
screenshot that every chart drew.
"""

from __future__ import annotations

from html import escape

from .summary import TOP_N

#: Bar colours: one per chart, and a palette for the channels of the month chart.
COLOURS = {
    "sources": "#1f77b4",
    "reporter": "#d62728",
    "editor": "#2ca02c",
    "coverage": "#9467bd",
}
CHANNEL_PALETTE = ("#ff7f0e", "#17becf", "#bcbd22", "#e377c2", "#8c564b", "#7f7f7f")
_BAR, _GAP, _LABEL, _WIDTH = 18, 6, 220, 420


def _bars(title: str, rows: list[tuple[str, float, str]], unit: str = "") -> str:
    """A horizontal bar chart: one (label, value, shown value) per bar."""
    top = max((value for _, value, _ in rows), default=0) or 1
    height = len(rows) * (_BAR + _GAP) + _GAP
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" '
        f'width="{_LABEL + _WIDTH + 80}" height="{height}">'
    ]
    for i, (label, value, shown) in enumerate(rows):
        y = _GAP + i * (_BAR + _GAP)
        width = max(1, round(_WIDTH * value / top)) if value else 0
        parts.append(
            f'<text x="{_LABEL - 6}" y="{y + _BAR - 4}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{_LABEL}" y="{y}" width="{width}" height="{_BAR}" fill="{{colour}}"/>'
            f'<text x="{_LABEL + width + 4}" y="{y + _BAR - 4}">{escape(shown)}{unit}</text>'
        )
    parts.append("</svg>")
    return f"<h2>{escape(title)}</h2>\n" + "".join(parts)


def _chart(title: str, rows, colour: str, unit: str = "") -> str:
    if not rows:
        return f"<h2>{escape(title)}</h2><p>none</p>"
    return _bars(title, rows, unit).replace("{colour}", colour)


def _months(summary: dict) -> str:
    """Articles per month, stacked by channel, with a legend."""
    per_month = summary["per_month"]
    channels = [c for c, _ in summary["per_channel"]]
    colour = {
        c: CHANNEL_PALETTE[i % len(CHANNEL_PALETTE)] for i, c in enumerate(channels)
    }
    top = max((sum(c.values()) for c in per_month.values()), default=0) or 1
    height = len(per_month) * (_BAR + _GAP) + _GAP
    parts = [
        '<h2>每月文章数 Articles per month, by channel</h2><p class="legend">',
        *(
            f'<span><svg width="12" height="12"><rect width="12" height="12" '
            f'fill="{colour[c]}"/></svg> {escape(c)}</span> '
            for c in channels
        ),
        f'</p><svg class="chart" role="img" aria-label="articles per month" '
        f'width="{_LABEL + _WIDTH + 80}" height="{height}">',
    ]
    for i, (month, counts) in enumerate(per_month.items()):
        y = _GAP + i * (_BAR + _GAP)
        x = _LABEL
        parts.append(
            f'<text x="{_LABEL - 6}" y="{y + _BAR - 4}" text-anchor="end">{escape(month)}</text>'
        )
        for channel in channels:
            n = counts.get(channel, 0)
            if n:
                width = round(_WIDTH * n / top)
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{width}" height="{_BAR}" '
                    f'fill="{colour[channel]}"><title>{escape(channel)} {n}</title></rect>'
                )
                x += width
        parts.append(
            f'<text x="{x + 4}" y="{y + _BAR - 4}">{sum(counts.values())}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render(summary: dict, title: str) -> str:
    """The whole page."""
    s = summary
    coverage = [
        (
            name,
            have / total if total else 0,
            f"{100 * have / total:.0f}" if total else "-",
        )
        for name, (have, total) in s["coverage"].items()
    ]
    people = {
        role: [(name, n, str(n)) for name, n in s["people"].get(role, [])]
        for role in ("reporter", "editor")
    }
    flags = (
        "".join(f"<tr><td>{escape(f)}</td><td>{n}</td></tr>" for f, n in s["quality"])
        or "<tr><td colspan=2>none</td></tr>"
    )
    return f"""<!DOCTYPE html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em; color: #222; }}
svg.chart text {{ font-size: 13px; fill: #222; }}
.legend span {{ margin-right: 1em; white-space: nowrap; }}
table {{ border-collapse: collapse; }} td {{ padding: 2px 8px; border-bottom: 1px solid #ddd; }}
</style></head><body>
<h1>{escape(title)}</h1>
<p>{s["articles"]} articles (the latest version of each; {s["rows_read"]} rows in
{s["files"]} run files; {s["cut_lines"]} lines could not be read).
Published {escape(s["first"] or "-")} .. {escape(s["last"] or "-")}.
{s["updated_articles"]} articles were updated after they first appeared.</p>
{_months(s)}
{_chart("来源 Sources", [(c, n, str(n)) for c, n in s["per_source"]], COLOURS["sources"])}
{_chart(f"记者 Top {TOP_N} reporters", people["reporter"], COLOURS["reporter"])}
{_chart(f"编辑 Top {TOP_N} editors", people["editor"], COLOURS["editor"])}
{_chart("字段覆盖 Field coverage", coverage, COLOURS["coverage"], unit="%")}
<h2>质量标记 Quality flags</h2><table>{flags}</table>
</body></html>
"""
