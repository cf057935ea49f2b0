"""End to end: build the shipped sample corpus and check what a reader of the site gets."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner

from playbookgen import pipeline
from playbookgen.cli import cli
from playbookgen.publish import MARKER
from tests.conftest import copy_skeleton


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = copy_skeleton(tmp_path_factory.mktemp("sample") / "playbook", with_retros=True)
    # The team audience publishes every retro; audiences have their own tests (test_audiences.py).
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--audience", "team"])
    assert result.exit_code == 0, result.output
    return root, root / "site"


@pytest.fixture(scope="module")
def playbook(site: tuple[Path, Path]) -> pipeline.Playbook:
    checked = pipeline.check(site[0])
    assert checked.playbook is not None
    return checked.playbook


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_every_page_kind_exists(site, playbook):
    _, out = site
    expected = ["index.html", "retros/index.html", "stages/index.html", "roles/index.html", "objections/index.html"]
    expected += [f"stages/{slug}/index.html" for slug in playbook.taxonomy.stages.slugs]
    expected += [f"roles/{slug}/index.html" for slug in playbook.taxonomy.roles.slugs]
    expected += [f"objections/{slug}/index.html" for slug in playbook.taxonomy.objections.slugs]
    expected += [f"retros/{retro.id}/index.html" for retro in playbook.retros]
    missing = [page for page in expected if not (out / page).is_file()]
    assert missing == []
    assert len(playbook.retros) == 16
    assert (out / "retros/2024-06-02-heron/index.html").is_file()  # slugified from "2024-06-02 Heron.md"


def test_each_lesson_is_on_its_stage_role_and_objection_pages(site, playbook):
    _, out = site
    for entry in playbook.entries:
        lesson, link = entry.lesson, f"retros/{entry.retro.id}/#{entry.lesson.id}"
        pages = [f"stages/{lesson.stage}", *(f"roles/{role}" for role in lesson.roles)]
        if lesson.objection:
            pages.append(f"objections/{lesson.objection}")
        for page in pages:
            html = (out / page / "index.html").read_text(encoding="utf-8")
            assert link in html, f"{lesson.title!r} is not linked from {page}"


def test_lesson_anchors_exist_on_retro_pages(site, playbook):
    _, out = site
    for retro in playbook.retros:
        ids = _parse(out / "retros" / retro.id / "index.html").ids
        assert {lesson.id for lesson in retro.lessons} <= ids


def test_every_internal_link_resolves(site):
    _, out = site
    broken = []
    for page in sorted(out.rglob("*.html")):
        if page.name == "404.html":  # served at any depth, so MkDocs gives it root-absolute links
            continue
        for href in _parse(page).hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("#", "mailto:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(out)} -> {href}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in _parse(target).ids:
                broken.append(f"{page.relative_to(out)} -> {href} (no such anchor)")
    assert broken == []


def test_search_indexes_each_lesson_once_on_its_retro_page(site, playbook):
    _, out = site
    docs = json.loads((out / "search/search_index.json").read_text(encoding="utf-8"))["docs"]
    by_location: dict[str, list[dict]] = {}
    for doc in docs:
        by_location.setdefault(doc["location"], []).append(doc)
    for entry in playbook.entries:
        location = f"retros/{entry.retro.id}/#{entry.lesson.id}"
        assert len(by_location.get(location, [])) == 1, location
        assert by_location[location][0]["title"] == entry.lesson.title
        # A phrase from the lesson's first paragraph is indexed on its lesson, and on no group page.
        phrase = re.sub(r"\*\*[^*]+\*\*", "", entry.lesson.excerpt).split(".")[0].strip()[:40]
        phrase = phrase.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        holders = [doc["location"] for doc in docs if phrase and phrase in doc["text"]]
        assert location in holders, (phrase, holders)
        # The retro's own raw notes may repeat the phrase; no other page may.
        assert {h.split("#")[0] for h in holders} == {f"retros/{entry.retro.id}/"}, (phrase, holders)


def test_group_pages_are_in_the_search_index_without_their_excerpts(site):
    _, out = site
    docs = json.loads((out / "search/search_index.json").read_text(encoding="utf-8"))["docs"]
    stage_docs = [d for d in docs if d["location"].startswith("stages/discovery/")]
    assert [d["title"] for d in stage_docs] == ["Discovery"]
    assert "What happened" not in stage_docs[0]["text"]


def test_navigation_lists_groups_in_taxonomy_order_but_not_single_retros(site, playbook):
    _, out = site
    html = (out / "index.html").read_text(encoding="utf-8")
    nav = html[html.index('class="md-nav md-nav--primary') : html.index('md-sidebar--secondary')]
    stage_positions = [nav.index(f'href="stages/{slug}/"') for slug in playbook.taxonomy.stages.slugs]
    assert stage_positions == sorted(stage_positions)
    assert 'href="retros/"' in nav
    assert not any(f'href="retros/{retro.id}/"' in nav for retro in playbook.retros)


def test_home_page_counts_and_recent_retros(site, playbook):
    _, out = site
    md = (site[0] / "build/docs/index.md").read_text(encoding="utf-8")
    counts = playbook.outcomes
    assert f"**16 retros** with\n**{len(playbook.entries)} lessons**" in md
    for outcome in ("won", "lost", "no-decision", "open"):  # one card per outcome: count, then badge
        assert f'<span class="pb-count">{counts[outcome]}</span>\n    <span class="pb-badge pb-outcome--{outcome}"' in md
    newest = playbook.retros[0]
    assert f"[{newest.deal.codename}](retros/{newest.id}.md)" in md
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="stages/discovery/"' in html and 'href="objections/other/"' in html


def test_rebuild_without_changes_rewrites_nothing(site):
    root, _ = site
    docs = root / "build/docs"
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in docs.rglob("*") if p.is_file() and p.name != MARKER}
    result = CliRunner().invoke(cli, ["-C", str(root), "generate", "--audience", "team"])
    assert result.exit_code == 0, result.output
    # Nothing changed since the build: the fingerprint matches and the pipeline does not even run.
    assert result.stderr.startswith("up to date: no input changed since the last run;")
    assert f"{len(before) - 1} files for the team audience" in result.stderr  # all but the cache file itself
    assert " 0 written, " in result.stderr
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in docs.rglob("*") if p.is_file() and p.name != MARKER}
    assert after == before
    # Touching an input (same bytes) is not a change; editing one is: only the pages showing it are rewritten.
    retro = root / "retros/2023/2023-11-09-wren.md"
    retro.write_text(retro.read_text(encoding="utf-8").replace("Pembrook", "Pembrook", 1), encoding="utf-8")
    assert CliRunner().invoke(cli, ["-C", str(root), "generate", "--audience", "team"]).stderr.startswith("up to date")
    text = retro.read_text(encoding="utf-8")
    retro.write_text(text.replace("## Lessons", "## Lessons\n\nEdited.", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "generate", "--audience", "team"])
    assert "generated" in result.stderr and " 1 written, " in result.stderr, result.stderr  # its own retro page
    retro.write_text(text, encoding="utf-8")
