"""A warm run: no input changed since the last `generate`, so its diagnostics are reported again and
nothing is written. Click-free, so that entry.py can answer before click is imported."""

from __future__ import annotations

import sys
from pathlib import Path

from playbookgen import report
from playbookgen.layout import Layout

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a warm run never needs it)
if TYPE_CHECKING:
    from typing import Any


def announce(layout: Layout, hit: dict[str, Any], strict: bool, docs_dir: Path) -> bool:
    """Print the cached run's diagnostics and the up-to-date line; True when the run must fail."""
    if report.emit(hit["diagnostics"], strict):
        report.say("nothing published: fix the errors above first", sys.stderr)
        return True
    files = len(hit["stamps"])
    report.say(
        f"up to date: no input changed since the last run; {files} files for the {hit['audience']} audience "
        f"({report.count(hit['retros'], 'retro')}, {hit['excluded']} not visible to it) "
        f"in {layout.relative(docs_dir)}: 0 written, {files} unchanged, 0 removed",
        sys.stderr,
    )
    return False
