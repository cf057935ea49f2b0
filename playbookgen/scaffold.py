"""Scaffolds for writers: a new retro in the chosen retro format, and packaged defaults to eject for editing.

Pure: returns paths and contents; publish.create_files writes them (never overwriting).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from playbookgen.layout import DEFAULTS
from playbookgen.render import yaml_scalar
from playbookgen.taxonomy import Taxonomy
from playbookgen.text import slugify

NOTES = {
    "start-stop-continue": ("Start / Stop / Continue", [
        ("Start", "what we should start doing next time"),
        ("Stop", "what hurt us and we should stop"),
        ("Continue", "what worked and we should keep doing"),
    ]),
    "4ls": ("Liked / Learned / Lacked / Longed for", [
        ("Liked", "what went well"),
        ("Learned", "what we know now that we did not know"),
        ("Lacked", "what was missing: people, material, access"),
        ("Longed for", "what we wished we had had"),
    ]),
    "sailboat": ("Sailboat", [
        ("Wind", "what pushed the deal forward"),
        ("Anchors", "what held us back"),
        ("Rocks", "the risks we saw, or should have seen, ahead"),
        ("Island", "where we were heading: the buyer's goal"),
    ]),
    "mad-sad-glad": ("Mad / Sad / Glad", [
        ("Mad", "what frustrated the team"),
        ("Sad", "what disappointed us"),
        ("Glad", "what we are proud of"),
    ]),
    "freeform": ("Notes", [("What we discussed", "the raw notes of the retro meeting")]),
}  # fmt: skip


@dataclass(frozen=True)
class NewRetro:
    title: str
    codename: str
    outcome: str  # a slug
    day: date
    retro_format: str = "start-stop-continue"
    visibility: str = "internal"
    team: list[tuple[str, str]] = field(default_factory=list)  # (name, role slug)


def new_retro_path(retro: NewRetro) -> str:
    return f"retros/{retro.day.year}/{retro.day.isoformat()}-{slugify(retro.codename) or 'retro'}.md"


def new_retro_text(retro: NewRetro, taxonomy: Taxonomy) -> str:
    env = Environment(
        loader=FileSystemLoader(str(DEFAULTS / "new")),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown and YAML, not HTML
    )
    env.filters["yaml"] = yaml_scalar
    notes_title, notes = NOTES[retro.retro_format]
    return env.get_template("retro.md.j2").render(
        title=retro.title,
        codename=retro.codename,
        outcome=retro.outcome,
        date=retro.day.isoformat(),
        visibility=retro.visibility,
        format=retro.retro_format,
        team=retro.team,
        notes_title=notes_title,
        notes=notes,
        stages=taxonomy.stages.slugs,
        roles=taxonomy.roles.slugs,
        objections=taxonomy.objections.slugs,
    )


EJECTABLE = ("taxonomy", "templates")


def ejected_files(what: str, names: list[str]) -> dict[str, bytes]:
    """Packaged defaults copied into a playbook for editing: {path in the playbook: content}."""
    if what == "taxonomy":
        return {"site_config/taxonomy.yml": (DEFAULTS / "taxonomy.yml").read_bytes()}
    folder = DEFAULTS / "templates"
    available = sorted(p.name for p in folder.glob("*.j2"))
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(
            f"no packaged template named {', '.join(unknown)}; available: {', '.join(available)}"
        )
    return {f"templates/{n}": Path(folder, n).read_bytes() for n in (names or available)}
