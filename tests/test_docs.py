"""The reference in docs/ says what the code does: every setting with its
default, and every exit status of ``scrapy crawl``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scrapy.settings import default_settings

from lianzhou_news import settings
from lianzhou_news.commands.crawl import EXIT_STATUSES

DOCS = Path(__file__).resolve().parent.parent / "docs"


def table_rows(text: str) -> list[list[str]]:
    """The body rows of every Markdown table in ``text``, as lists of cells."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("|") or re.fullmatch(r"\|[-| ]+\|", line):
            continue
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows.append(cells)
    return rows


def documented_settings() -> dict[str, str]:
    """Setting name -> its documented default (the default cell's first code span)."""
    found = {}
    for cells in table_rows((DOCS / "settings.md").read_text(encoding="utf-8")):
        name = re.fullmatch(r"`([A-Z][A-Z0-9_]+)`", cells[0])
        if not name:
            continue  # a header row
        assert name[1] not in found, f"{name[1]} has two rows"
        default = re.search(r"`([^`]*)`", cells[1])
        found[name[1]] = default[1] if default else cells[1]
    return found


def same(documented: str, value) -> bool:
    if value == "":
        return documented == '""'
    return documented in (str(value), repr(value))


PROJECT_SETTINGS = sorted(
    name for name in dir(settings) if name.startswith("LIANZHOU_")
)


def test_the_settings_table_lists_every_project_setting():
    missing = set(PROJECT_SETTINGS) - set(documented_settings())
    assert not missing, f"not in docs/settings.md: {sorted(missing)}"


@pytest.mark.parametrize("name", PROJECT_SETTINGS)
def test_a_project_setting_s_documented_default_is_the_code_s(name):
    documented = documented_settings()[name]
    value = getattr(settings, name)
    assert same(documented, value), (
        f"{name}: docs say {documented!r}, code has {value!r}"
    )


def test_every_documented_setting_exists():
    unknown = [
        name
        for name in documented_settings()
        if not hasattr(settings, name)
        and not hasattr(default_settings, name)
        and name != "REDIS_URL"
    ]
    assert not unknown, f"docs/settings.md names settings that do not exist: {unknown}"
    assert settings.REDIS_URL is None


def test_scrapy_settings_with_a_plain_default_are_documented_as_set():
    # Rows whose default is one plain value (not a description) must be exact.
    checked = 0
    for name, documented in documented_settings().items():
        if name.startswith("LIANZHOU_") or not hasattr(settings, name):
            continue
        value = getattr(settings, name)
        if isinstance(value, (bool, int, float, str, tuple, list)) and not isinstance(
            value, dict
        ):
            if isinstance(value, str) and "/" in value and name == "TEMPLATES_DIR":
                continue  # an absolute path, documented relative to the checkout
            if name == "USER_AGENT":
                continue  # built from LIANZHOU_CONTACT, documented with its placeholder
            if name == "FEED_EXPORT_FIELDS":
                continue  # the schema's field order, documented as such
            assert same(documented, value), (
                f"{name}: docs {documented!r}, code {value!r}"
            )
            checked += 1
    assert checked > 30


def test_the_exit_status_table_is_the_code_s():
    text = (DOCS / "operations.md").read_text(encoding="utf-8")
    section = text.split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    statuses = [int(cells[0]) for cells in table_rows(section) if cells[0].isdigit()]
    assert statuses == sorted(EXIT_STATUSES), statuses
    assert sorted(EXIT_STATUSES) == [0, 1, 2, 3, 4]
