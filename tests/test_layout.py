"""docs/how-it-works.md names every module of the package, and every module
opens with the one sentence that says what it is for."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lianzhou_news"
MODULES = sorted(
    path
    for path in PACKAGE.rglob("*.py")
    if path.name != "__init__.py" or path.parent != PACKAGE
)


def _layout() -> str:
    """The module list: the first code block of docs/how-it-works.md."""
    page = (ROOT / "docs" / "how-it-works.md").read_text(encoding="utf-8")
    return page.split("```", 2)[1]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_is_in_how_it_works(path):
    layout = _layout()
    if path.name == "__init__.py":
        name = path.parent.name + "/"  # a package: named as its folder
    else:
        name = path.name
    assert re.search(rf"(?<![\w.]){re.escape(name)}", layout), (
        f"{path.relative_to(ROOT)} is not in docs/how-it-works.md's module list"
    )


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_every_module_says_what_it_is_for(path):
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring and len(docstring.splitlines()[0]) > 10, path
