"""Where a playbook's files live, and the site settings in site_config/playbook.yml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from playbookgen.diagnostics import Diagnostics
from playbookgen.sources import DEFAULT_MAX_BYTES, read_source
from playbookgen.typecheck import check_model
from playbookgen.vocabulary import VISIBILITIES
from playbookgen.yamlsource import LineMap, YamlError, load

DEFAULTS = Path(__file__).resolve().parent / "defaults"  # the packaged taxonomy, templates and scaffolds


class SiteConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    title: str = "Sales playbook"
    description: str = "What our deal teams learned, won or lost, organised so the next team can use it."
    default_visibility: str = Field(default="internal", pattern="^(team|internal|public)$")
    default_currency: str = Field(default="EUR", pattern="^[A-Z]{3}$")
    recent_retros: int = Field(default=10, ge=0)
    default_audience: str = Field(default="internal", pattern="^(team|internal|public)$")
    # Upper bounds of the deal value bands shown to the internal audience (in the deal's currency).
    value_bands: list[float] = Field(default=[25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000])
    stale_after_months: int = Field(
        default=18, ge=1, description="lessons from older retros are marked stale"
    )
    max_file_size: int = Field(
        default=DEFAULT_MAX_BYTES, gt=0, description="bytes; larger retro files are errors"
    )


@dataclass(frozen=True)
class Layout:
    """The files of one playbook, relative to its root folder."""

    root: Path

    @property
    def retros(self) -> Path:
        return self.root / "retros"

    @property
    def site_config(self) -> Path:
        return self.root / "site_config" / "playbook.yml"

    @property
    def own_taxonomy(self) -> Path:
        return self.root / "site_config" / "taxonomy.yml"

    @property
    def taxonomy(self) -> Path:
        """The playbook's own taxonomy when it has one, else the packaged default."""
        return self.own_taxonomy if self.own_taxonomy.is_file() else DEFAULTS / "taxonomy.yml"

    @property
    def templates(self) -> list[Path]:
        """Template folders, first match wins: the playbook's own templates/, then the packaged defaults."""
        return [self.root / "templates", DEFAULTS / "templates"]

    def template_label(self, name: str) -> str:
        own = self.root / "templates" / name
        return f"templates/{name}" if own.is_file() else f"templates/{name} (packaged default)"

    def looks_like_a_playbook(self) -> bool:
        return self.mkdocs_yml.is_file() or self.retros.is_dir()

    @property
    def pages(self) -> Path:
        """Hand-written pages and assets, copied into the generated docs as they are."""
        return self.root / "pages"

    @property
    def mkdocs_yml(self) -> Path:
        return self.root / "mkdocs.yml"

    def site_url(self) -> str | None:
        value = _mkdocs_setting(self.mkdocs_yml, "site_url")
        return str(value) if value else None

    def docs_dir(self) -> Path:
        """The generated folder: mkdocs.yml's docs_dir, read as plain YAML (MkDocs is not imported here)."""
        return self.root / str(_mkdocs_setting(self.mkdocs_yml, "docs_dir") or "docs")

    def relative(self, path: Path) -> str:
        if path == DEFAULTS / "taxonomy.yml":
            return "the packaged taxonomy.yml"
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()


EXPECTED = {
    "default_visibility": " | ".join(VISIBILITIES),
    "default_audience": " | ".join(VISIBILITIES),
    "value_bands": "a list of numbers, e.g. [50000, 100000, 250000]",
    "default_currency": "an ISO 4217 code such as EUR",
}


def load_site_config(layout: Layout, diagnostics: Diagnostics) -> SiteConfig:
    path = layout.site_config
    if not path.is_file():
        return SiteConfig()
    name = layout.relative(path)
    source = read_source(layout.root, path, diagnostics)
    if source is None:
        return SiteConfig()
    text = source.text
    try:
        data = load(text) or {}
    except YamlError as exc:
        diagnostics.error(name, exc.line, None, exc.message, "config")
        return SiteConfig()
    if not isinstance(data, dict):
        diagnostics.error(name, 1, None, "expected a mapping of settings", "config")
        return SiteConfig()
    return check_model(SiteConfig, data, name, LineMap(text), diagnostics, EXPECTED) or SiteConfig()


class _TolerantLoader(yaml.SafeLoader):
    """mkdocs.yml uses tags such as !!python/name and !ENV; they are not needed to read docs_dir."""


_TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)


class SettingsError(Exception):
    """mkdocs.yml cannot be read; the message names the file and line."""


def _mkdocs_setting(path: Path, key: str) -> Any:
    if not path.is_file():
        return None
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_TolerantLoader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path.name}:{mark.line + 1}" if mark is not None else path.name
        problem = getattr(exc, "problem", None) or str(exc)
        raise SettingsError(f"{where}: cannot read MkDocs settings: {problem}") from None
    return data.get(key) if isinstance(data, dict) else None
