"""Thin adapter: build the HTML site from the generated Markdown with MkDocs (strict mode)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import Abort, ConfigurationError

from playbookgen.mkdocs_plugin import PlaybookgenPlugin


@dataclass
class SiteBuild:
    ok: bool
    site_dir: Path | None = None
    messages: list[str] = field(default_factory=list)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


def build_site(config_file: Path, site_dir: Path | None, nav: list[dict[str, Any]]) -> SiteBuild:
    """Run MkDocs in strict mode. `nav` is used unless mkdocs.yml sets its own."""
    collector = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        overrides: dict[str, Any] = {"strict": True}
        if site_dir is not None:
            overrides["site_dir"] = str(site_dir)
        config = load_config(config_file=str(config_file), **overrides)
        if not config.nav:
            config.nav = nav
        if "playbookgen" not in config.plugins:  # never build without the HTML sanitiser
            config.plugins["playbookgen"] = PlaybookgenPlugin()
        build(config)
        return SiteBuild(ok=True, site_dir=Path(config.site_dir), messages=collector.messages)
    except (Abort, ConfigurationError) as exc:
        return SiteBuild(ok=False, messages=[*collector.messages, f"error: {exc}"])
    except OSError as exc:  # mkdocs.yml is a folder, the site folder cannot be written, the disk is full
        where = f": {exc.filename}" if exc.filename else ""
        return SiteBuild(ok=False, messages=[*collector.messages, f"error: {exc.strerror or exc}{where}"])
    finally:
        logger.removeHandler(collector)
