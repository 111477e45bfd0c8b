"""``scrapy rebuildstate SPIDER FILE...``: a fresh state store from a spider's run files.

The way out of a damaged state (``state.StateDamaged``): set the damaged file
aside, then record every article of the run files (``output/<spider>/*.jsonl``)
into a new store under ``LIANZHOU_STATE_DIR``, so the next run does not emit
them again as new. Columns are not marked walked: the next run walks them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from ..state import StateStore


class Command(ScrapyCommand):
    requires_project = True
    default_settings: ClassVar[dict] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "SPIDER FILE..."

    def short_desc(self) -> str:
        return "Rebuild a spider's state store from its run files"

    def run(self, args, opts) -> None:
        if len(args) < 2:
            raise UsageError("give a spider name and its run files")
        spider, files = args[0], [Path(name) for name in args[1:]]
        missing = [str(name) for name in files if not name.is_file()]
        if missing:
            raise UsageError(f"no such run file: {', '.join(missing)}")
        store = StateStore(self.settings.get("LIANZHOU_STATE_DIR") or "state", spider)
        try:
            if store.count():
                raise UsageError(
                    f"{store.path} is not empty: set it aside before rebuilding"
                )
            recorded = sum(store.rebuild_from(name) for name in files)
        finally:
            store.close()
        print(f"{store.path}: {recorded} article(s) recorded from {len(files)} file(s)")
