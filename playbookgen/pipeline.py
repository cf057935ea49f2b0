"""One way through: load -> validate -> model -> group -> render. Pure: reads files, writes none."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from jinja2 import BytecodeCache

from playbookgen import exports
from playbookgen.audience import for_audience
from playbookgen.clock import today
from playbookgen.corpus import RetroCache, load_retros
from playbookgen.diagnostics import Diagnostics
from playbookgen.evidence import Evidence, build_evidence, expired_best_titles
from playbookgen.feed import atom_feed
from playbookgen.group import Playbook, build_playbook
from playbookgen.layout import DEFAULTS, Layout, SettingsError
from playbookgen.render import TemplateProblem, navigation, render_pages
from playbookgen.results import AudienceView, Checked, Generated
from playbookgen.settings import SiteConfig, load_site_config
from playbookgen.sources import list_files, read_bytes, read_source
from playbookgen.taxonomy import Taxonomy, load_taxonomy


def load_settings(root: Path) -> tuple[Layout, SiteConfig, Taxonomy | None, Diagnostics]:
    """The playbook's settings and taxonomy without its retros (for scaffolding commands)."""
    layout = Layout(root)
    diagnostics = Diagnostics()
    config = load_site_config(layout, diagnostics)
    return layout, config, _taxonomy(layout, diagnostics), diagnostics


def check(root: Path, cache: RetroCache | None = None) -> Checked:
    """Load and validate everything; the playbook model is built even when some retros have errors."""
    layout = Layout(root)
    diagnostics = Diagnostics()
    if not layout.looks_like_a_playbook():
        diagnostics.error(
            "mkdocs.yml",
            None,
            None,
            f"{layout.root} does not look like a playbook root (no mkdocs.yml, no retros/); run playbookgen "
            "in the folder that holds them, pass -C DIR, or create one with 'playbookgen init DIR'",
            "not-a-playbook",
        )
        return Checked(layout, diagnostics)
    config = load_site_config(layout, diagnostics)
    taxonomy = _taxonomy(layout, diagnostics)
    if taxonomy is None:
        return Checked(layout, diagnostics, config=config)
    if cache is not None:  # validated retros stay valid only for this taxonomy and configuration
        cache.bind(
            hashlib.sha256(layout.taxonomy.read_bytes() + config.model_dump_json().encode()).hexdigest()
        )
    retros, files = load_retros(layout, taxonomy, config, diagnostics, cache)
    playbook = build_playbook(retros, taxonomy, config)
    _warn_expired_play_titles(playbook, config, diagnostics)
    return Checked(layout, diagnostics, playbook, files, config)


def _warn_expired_play_titles(playbook: Playbook, config: SiteConfig, diagnostics: Diagnostics) -> None:
    evidence = build_evidence(playbook, today(), config.stale_after_months)
    for play, entry in expired_best_titles(evidence):
        diagnostics.warning(
            entry.retro.path,
            entry.lesson.line,
            f"lessons.{entry.lesson.id}",
            f"play {play.id!r} still takes its title from this retired lesson (expired or superseded): "
            "every lesson of the play is retired; add a current lesson with that play id, or retire the play",
            "expired-play-title",
        )


def for_audience_of(checked: Checked, audience: str | None) -> tuple[AudienceView, Playbook]:
    """The audience's view of a checked playbook, grouped (audience: default_audience when None)."""
    assert checked.playbook is not None and checked.config is not None
    everything = checked.playbook
    view = for_audience(
        everything.retros, audience or checked.config.default_audience, everything.taxonomy, checked.config
    )
    return view, build_playbook(view.retros, everything.taxonomy, checked.config)


def generate(
    root: Path,
    audience: str | None = None,
    keep_going: bool = False,
    day: date | None = None,
    cache: RetroCache | None = None,
    code_cache: BytecodeCache | None = None,
) -> Generated:
    """Check, then render every page for one audience.

    Nothing is rendered when there is any error, unless `keep_going` is set: then retros with errors are
    left out (see Checked.skipped) and only problems outside retros/ stop the run. `code_cache` keeps the
    compiled templates between runs (see publish.template_code_cache).
    """
    checked = check(root, cache)
    skipped = set(checked.skipped()) if keep_going else set()
    blocking = [d for d in checked.diagnostics.errors if d.path not in skipped]
    if checked.playbook is None or blocking:
        return Generated(checked)
    view, playbook = for_audience_of(checked, audience)
    day = day or today()
    try:
        site_url = checked.layout.site_url()
    except SettingsError as exc:
        checked.diagnostics.error("mkdocs.yml", None, None, str(exc), "config")
        return Generated(checked)
    evidence = build_evidence(playbook, day, playbook.config.stale_after_months)
    # The downloads first: their transient rows then never coexist with every rendered page (peak memory).
    files = _downloads(playbook, evidence, view.audience, site_url)
    try:
        files.update(
            render_pages(playbook, checked.layout.templates, view.audience, day, evidence, code_cache)
        )
    except TemplateProblem as problem:
        label = checked.layout.template_label(problem.template)
        checked.diagnostics.error(label, problem.line, None, problem.message, "template")
        return Generated(checked)
    files.update(_packaged_assets())
    extra: list[str] = []
    for path, content in _hand_written(checked.layout, checked.diagnostics).items():
        if path in files and not path.startswith("assets/"):  # a playbook may replace a packaged asset
            checked.diagnostics.error(
                f"pages/{path}",
                None,
                None,
                f"collides with the generated page {path}; rename or move it",
                "page-clash",
            )
        files[path] = content
        extra.append(path)
    nav = navigation(playbook) + [p for p in extra if p.endswith(".md")]
    return Generated(checked, files, view, nav)


def _taxonomy(layout: Layout, diagnostics: Diagnostics) -> Taxonomy | None:
    path = layout.taxonomy
    source = read_source(layout.root, path, diagnostics)
    return load_taxonomy(source.text, layout.relative(path), diagnostics) if source else None


def _downloads(
    playbook: Playbook, evidence: Evidence, audience: str, site_url: str | None
) -> dict[str, bytes]:
    """The lesson exports and the Atom feed, built from the same audience view as the pages."""
    rows = exports.lesson_rows(playbook, evidence)
    return {
        "exports/lessons.csv": exports.as_csv(rows).encode("utf-8"),
        "exports/lessons.json": exports.as_json(rows, audience).encode("utf-8"),
        "feed.xml": atom_feed(playbook, site_url).encode("utf-8"),
    }


def _packaged_assets() -> dict[str, bytes]:
    """Static files every build needs (the stylesheet named in mkdocs.yml's extra_css)."""
    folder = DEFAULTS / "assets"
    return {
        f"assets/{p.relative_to(folder).as_posix()}": p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _hand_written(layout: Layout, diagnostics: Diagnostics) -> dict[str, bytes]:
    """Hand-written pages and assets under pages/, copied into the site unchanged."""
    if not layout.pages.is_dir():
        return {}
    files: dict[str, bytes] = {}
    for path in list_files(layout.root, layout.pages, diagnostics):
        content = read_bytes(layout.root, path, diagnostics)  # a named pipe is refused, not waited on
        if content is not None:
            files[path.relative_to(layout.pages).as_posix()] = content
    return files
