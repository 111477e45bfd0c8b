"""What a dataset holds, in numbers: dates, months, channels, sources, people, coverage.

Computed on the latest version of each article (one row per article), grouped
by the Simplified-script columns so that 連州要聞 and 连州要闻 count as one.
``summarize`` gives plain data; ``as_text`` prints it for ``--summary`` and
``dataset.html`` draws it for ``--html``.
"""

from __future__ import annotations

from collections import Counter

from ..items import FIELD_ORDER

#: The roles shown as "top credited people", in this order.
TOP_ROLES = ("reporter", "editor", "photographer", "correspondent", "reviewer")
TOP_N = 10
#: Fields whose coverage is shown (every field always exists: coverage counts
#: rows where it holds a value, not null, "", [] or {}).
COVERAGE_FIELDS = [
    n for n in FIELD_ORDER if n not in ("schema_version", "article_id", "url", "site")
]
NO_VALUE = "(none)"


def _has(value) -> bool:
    return value not in (None, "", [], {})


def summarize(rows: list[dict], *, rows_read: int, files: int, cuts: int) -> dict:
    """The summary of ``rows`` (one per article, as ``Dataset.latest`` gives)."""
    stamps = sorted(r["timestamp"] for r in rows if r.get("timestamp"))
    per_month: dict[str, Counter] = {}
    for row in rows:
        month = row["timestamp"][:7] if row.get("timestamp") else NO_VALUE
        per_month.setdefault(month, Counter())[
            row.get("channel_simplified") or NO_VALUE
        ] += 1
    people = {
        role: Counter(
            name
            for row in rows
            for name in (row.get("credits_simplified") or {}).get(role) or []
        ).most_common(TOP_N)
        for role in TOP_ROLES
    }
    total = len(rows)
    return {
        "articles": total,
        "files": files,
        "rows_read": rows_read,
        "cut_lines": cuts,
        "first": stamps[0] if stamps else None,
        "last": stamps[-1] if stamps else None,
        "per_month": {m: dict(c) for m, c in sorted(per_month.items())},
        "per_channel": Counter(
            r.get("channel_simplified") or NO_VALUE for r in rows
        ).most_common(),
        "per_source": Counter(
            r.get("source_simplified") or NO_VALUE for r in rows
        ).most_common(),
        "people": people,
        "coverage": {
            n: (sum(1 for r in rows if _has(r.get(n))), total) for n in COVERAGE_FIELDS
        },
        "quality": Counter(
            f for r in rows for f in r.get("quality") or []
        ).most_common(),
        "updated_articles": sum(1 for r in rows if (r.get("version") or 0) > 1),
        "versions": Counter(r.get("version") for r in rows if r.get("version")),
    }


def as_text(summary: dict) -> str:
    """The summary as ``--summary`` prints it."""
    s = summary
    out = [
        f"articles: {s['articles']} (latest versions of {s['rows_read']} rows "
        f"in {s['files']} run files; {s['cut_lines']} lines could not be read)",
        f"date range: {s['first'] or '-'} .. {s['last'] or '-'}",
        "",
        "articles per month:",
    ]
    for month, channels in s["per_month"].items():
        detail = ", ".join(f"{c} {n}" for c, n in sorted(channels.items()))
        out.append(f"  {month}  {sum(channels.values()):>4}  ({detail})")
    out += ["", "per channel:"]
    out += [f"  {n:>4}  {c}" for c, n in s["per_channel"]]
    out += ["", "per source:"]
    out += [f"  {n:>4}  {c}" for c, n in s["per_source"]]
    out += ["", f"top credited people (top {TOP_N} per role):"]
    for role, names in s["people"].items():
        shown = ", ".join(f"{name} {n}" for name, n in names) or "-"
        out.append(f"  {role}: {shown}")
    out += ["", "field coverage (rows with a value):"]
    for name, (have, total) in s["coverage"].items():
        share = f"{100 * have / total:5.1f}%" if total else "    -"
        out.append(f"  {name:<20} {share}  {have}/{total}")
    out += ["", "quality flags:"]
    out += [f"  {n:>4}  {flag}" for flag, n in s["quality"]] or ["  none"]
    out += [
        "",
        f"updates: {s['updated_articles']} articles at a version above 1 "
        f"(versions: {', '.join(f'v{v} {n}' for v, n in sorted(s['versions'].items())) or '-'})",
    ]
    return "\n".join(out) + "\n"
