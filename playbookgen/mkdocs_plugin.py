"""MkDocs plugin `playbookgen`: sanitise every page's HTML before it is written or indexed for search.

Listed in mkdocs.yml (`plugins: [..., playbookgen]`) so a plain `mkdocs build` is safe too; `playbookgen
build` adds it when a configuration leaves it out.
"""

from __future__ import annotations

from typing import Any

from mkdocs.plugins import BasePlugin

from playbookgen.html_safety import sanitize_html


class PlaybookgenPlugin(BasePlugin):  # type: ignore[type-arg]
    def on_page_content(self, html: str, **kwargs: Any) -> str:
        return sanitize_html(html)
