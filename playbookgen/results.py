"""What a check or generate run produces: plain records, cheap to import (the CLI's warm path uses them)."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playbookgen.diagnostics import Diagnostics
    from playbookgen.group import Playbook
    from playbookgen.layout import Layout
    from playbookgen.model import Retro
    from playbookgen.settings import SiteConfig

AUDIENCES = ("team", "internal", "public")
VISIBLE_TO = {
    "team": {"team", "internal", "public"},
    "internal": {"internal", "public"},
    "public": {"public"},
}


@dataclass(frozen=True)
class Forbidden:
    """A string that must not appear anywhere in an audience's site (see leaks.py)."""

    text: str
    reason: str  # e.g. "account of Falcon"


@dataclass(frozen=True)
class AudienceView:
    """What one audience may see (audience.py builds it): the visible retros, redacted, and the rest."""

    audience: str
    retros: list[Retro]  # visible and redacted
    excluded: list[Retro]
    forbidden: list[Forbidden]


@dataclass
class Checked:
    layout: Layout
    diagnostics: Diagnostics
    playbook: Playbook | None = None  # every valid retro, before any audience filtering
    files: int = 0  # retro files found, valid or not
    config: SiteConfig | None = None

    def skipped(self) -> list[str]:
        """Retro files left out because they have errors."""
        retros = self.layout.relative(self.layout.retros) + "/"
        return sorted({d.path for d in self.diagnostics.errors if d.path.startswith(retros)})


@dataclass
class Generated:
    checked: Checked
    files: MutableMapping[str, bytes] = field(default_factory=dict)
    view: AudienceView | None = None
    nav: list[dict[str, Any]] = field(default_factory=list)
