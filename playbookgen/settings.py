"""The site settings in site_config/playbook.yml."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from playbookgen.diagnostics import Diagnostics
from playbookgen.layout import Layout
from playbookgen.sources import DEFAULT_MAX_BYTES, read_source
from playbookgen.typecheck import check_model
from playbookgen.vocabulary import VISIBILITIES
from playbookgen.yamlsource import LineMap, YamlError, load


class SiteConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    title: str = "Sales playbook"
    description: str = "What our deal teams learned, won or lost, organised so the next team can use it."
    default_visibility: str = Field(default="internal", pattern="^(team|internal|public)$")
    default_currency: str = Field(default="EUR", pattern="^[A-Z]{3}$")
    recent_retros: int = Field(default=10, ge=0)
    cards_per_section: int = Field(
        default=12,
        ge=0,
        description="lesson cards shown in full per section of a stage, role or objection page; "
        "the rest are listed one line each",
    )
    people_to_ask: int = Field(
        default=10, ge=0, description="people a 'Who to ask' list names, most won deals first"
    )
    default_audience: str = Field(default="internal", pattern="^(team|internal|public)$")
    # Upper bounds of the deal value bands shown to the internal audience (in the deal's currency).
    value_bands: list[float] = Field(default=[25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000])
    stale_after_months: int = Field(
        default=18, ge=1, description="lessons from older retros are marked stale"
    )
    max_file_size: int = Field(
        default=DEFAULT_MAX_BYTES, gt=0, description="bytes; larger retro files are errors"
    )


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
