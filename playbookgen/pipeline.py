"""One way through: load -> validate -> model -> group -> render. Pure: reads files, writes none."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playbookgen.corpus import load_retros
from playbookgen.diagnostics import Diagnostics
from playbookgen.group import Playbook, build_playbook
from playbookgen.render import TemplateProblem, render_pages
from playbookgen.settings import Layout, load_site_config
from playbookgen.sources import read_source
from playbookgen.taxonomy import Taxonomy, load_taxonomy


@dataclass
class Checked:
    layout: Layout
    diagnostics: Diagnostics
    playbook: Playbook | None = None
    files: int = 0  # retro files found, valid or not


@dataclass
class Generated:
    checked: Checked
    files: dict[str, bytes] = field(default_factory=dict)


def check(root: Path) -> Checked:
    """Load and validate everything; the playbook model is built even when some retros have errors."""
    layout = Layout(root)
    diagnostics = Diagnostics()
    config = load_site_config(layout, diagnostics)
    taxonomy = _taxonomy(layout, diagnostics)
    if taxonomy is None:
        return Checked(layout, diagnostics)
    retros, files = load_retros(layout, taxonomy, config, diagnostics)
    return Checked(layout, diagnostics, build_playbook(retros, taxonomy, config), files)


def generate(root: Path) -> Generated:
    """Check, then render every page; nothing is rendered when there is any error."""
    checked = check(root)
    if checked.playbook is None or checked.diagnostics.errors:
        return Generated(checked)
    try:
        pages = render_pages(checked.playbook, checked.layout.templates)
    except TemplateProblem as problem:
        checked.diagnostics.error(problem.path, problem.line, None, problem.message, "template")
        return Generated(checked)
    files = {path: text.encode("utf-8") for path, text in pages.items()}
    for path, content in _hand_written(checked.layout).items():
        if path in files:
            checked.diagnostics.error(
                f"pages/{path}",
                None,
                None,
                f"collides with the generated page {path}; rename or move it",
                "page-clash",
            )
        files[path] = content
    return Generated(checked, files)


def _taxonomy(layout: Layout, diagnostics: Diagnostics) -> Taxonomy | None:
    path = layout.taxonomy
    name = layout.relative(path)
    if not path.is_file():
        diagnostics.error(
            name,
            None,
            None,
            f"taxonomy not found: {layout.root} does not look like a playbook root (no {name}); run "
            "playbookgen in the folder that holds mkdocs.yml, retros/ and site_config/, or pass -C DIR",
            "no-taxonomy",
        )
        return None
    source = read_source(layout.root, path, diagnostics)
    return load_taxonomy(source.text, name, diagnostics) if source else None


def _hand_written(layout: Layout) -> dict[str, bytes]:
    """Hand-written pages and assets under pages/, copied into the site unchanged."""
    if not layout.pages.is_dir():
        return {}
    return {
        path.relative_to(layout.pages).as_posix(): path.read_bytes()
        for path in sorted(layout.pages.rglob("*"))
        if path.is_file() and not path.name.startswith(".")
    }
