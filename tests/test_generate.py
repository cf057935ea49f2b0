"""Grouping, rendering and publishing: the generated Markdown pages and how they are written."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from playbookgen import pipeline
from playbookgen.cli import cli
from playbookgen.layout import DEFAULTS
from playbookgen.publish import MARKER, PublishError, write_tree
from tests.conftest import REPO, VALID_RETRO

SECOND = """\
---
title: "Lost Heron on price after a late security review"
date: 2024-05-02
deal:
  codename: Heron
  outcome: loss
  primary_reason: budget
  stage_reached: procurement
---

## Lessons

### L1 Send the security pack before the first demo

- stage: demo
- roles: SE, AE
- objection: security
- result: start

Security reviewers met us in week ten.

Second paragraph, not in the excerpt.

### Quote list price with a documented discount path

- stage: proposal
- roles: deal desk
- objection: budget
- result: stop

We discounted twice without asking for anything back.
"""


def _generate(root):
    result = CliRunner().invoke(cli, ["-C", str(root), "generate"])
    return result, root / "build" / "docs"


def test_stage_page_groups_lessons_by_role_with_card_details(playbook, write_retro):
    write_retro("2025/osprey.md")
    write_retro("2024/heron.md", SECOND)
    result, docs = _generate(playbook)
    assert result.exit_code == 0, result.output
    page = (docs / "stages/evaluation.md").read_text(encoding="utf-8")
    # Roles in taxonomy order: account executive before sales engineer.
    assert page.index("## Account Executive") < page.index("## Sales Engineer")
    card = page[page.index("## Sales Engineer") :]
    assert "[Send the security pack before the first demo](../retros/heron.md#l1)" in card
    assert ":material-alert-circle: Missed</span>" in card  # result badge
    assert ":material-shield-alert-outline: [Security / compliance](../objections/security-compliance.md)</span>" in card
    assert "Deal: [Heron](../retros/heron.md) · 2024-05-02" in card
    assert ":material-close-octagon-outline: Lost</span>" in card  # deal outcome badge
    assert "Security reviewers met us in week ten." in card
    assert "Second paragraph" not in page


def test_role_page_is_a_checklist_by_stage_in_stage_order(playbook, write_retro):
    write_retro("2025/osprey.md")
    write_retro("2024/heron.md", SECOND)
    _, docs = _generate(playbook)
    page = (docs / "roles/sales-engineer.md").read_text(encoding="utf-8")
    assert "## Demo & technical evaluation { #evaluation data-search-exclude }" in page
    assert "Write POC success criteria down before kickoff" in page
    assert "Send the security pack before the first demo" in page
    assert "## Proposal" not in page  # the deal desk lesson is not the sales engineer's


def test_objection_page_splits_by_result_and_lists_decided_deals(playbook, write_retro):
    write_retro("2024/heron.md", SECOND)
    _, docs = _generate(playbook)
    page = (docs / "objections/price.md").read_text(encoding="utf-8")
    assert "## What didn't work" in page
    assert "Quote list price with a documented discount path" in page
    assert "## What worked" not in page
    decided = page[page.index("## Deals decided on this") :]
    assert "| 2024-05-02 | [Heron](../retros/heron.md) | " in decided
    assert ":material-close-octagon-outline: Lost</span> | Negotiation & procurement |" in decided


def test_group_without_lessons_says_how_to_add_one(playbook, write_retro):
    write_retro("2025/osprey.md")
    _, docs = _generate(playbook)
    page = (docs / "stages/handoff.md").read_text(encoding="utf-8")
    assert "No lessons yet" in page
    assert "`- stage: handoff`" in page
    assert "## " not in page.split("No lessons yet")[0].split("# Handoff")[1]


def test_retro_page_has_facts_body_and_lesson_anchors(playbook, write_retro):
    write_retro("2024/heron.md", SECOND)
    _, docs = _generate(playbook)
    page = (docs / "retros/heron.md").read_text(encoding="utf-8")
    assert page.startswith('---\ntitle: "Lost Heron on price after a late security review"\n---\n')
    assert "| Outcome | **Lost** |" in page
    assert "| Primary reason | [Price / budget](../objections/price.md) |" in page
    assert "### Send the security pack before the first demo { #l1 }" in page
    assert "### Quote list price with a documented discount path { #quote-list-price-with-a-documented-discount-path }" in page
    assert "**Stage:** [Demo & technical evaluation](../stages/evaluation.md)" in page
    assert "Second paragraph, not in the excerpt." in page


def test_retros_index_is_newest_first(playbook, write_retro):
    write_retro("2025/osprey.md")
    write_retro("2024/heron.md", SECOND)
    _, docs = _generate(playbook)
    page = (docs / "retros/index.md").read_text(encoding="utf-8")
    assert page.index("[Osprey](osprey.md)") < page.index("[Heron](heron.md)")


def test_output_is_deterministic_and_unchanged_files_are_not_rewritten(playbook, write_retro):
    write_retro("2025/osprey.md")
    write_retro("2024/heron.md", SECOND)
    first = pipeline.generate(playbook).files
    assert pipeline.generate(playbook).files == first
    result, docs = _generate(playbook)
    assert " 0 unchanged" in result.stderr
    stamps = {p: p.stat().st_mtime_ns for p in docs.rglob("*.md")}
    result, _ = _generate(playbook)
    assert " 0 written" in result.stderr
    assert {p: p.stat().st_mtime_ns for p in docs.rglob("*.md")} == stamps


def test_pages_of_deleted_retros_are_removed(playbook, write_retro):
    write_retro("2025/osprey.md")
    heron = write_retro("2024/heron.md", SECOND)
    _, docs = _generate(playbook)
    assert (docs / "retros/heron.md").is_file()
    heron.unlink()
    result, _ = _generate(playbook)
    assert "1 removed" in result.stderr
    assert not (docs / "retros/heron.md").exists()
    assert "Heron" not in (docs / "retros/index.md").read_text(encoding="utf-8")


def test_errors_publish_nothing(playbook, write_retro):
    write_retro("2025/osprey.md", VALID_RETRO.replace("stage: evaluation", "stage: nowhere"))
    result = CliRunner().invoke(cli, ["-C", str(playbook), "build"])
    assert result.exit_code == 1
    assert "nothing published" in result.stderr
    assert not (playbook / "build").exists() and not (playbook / "site").exists()


def test_hand_written_pages_are_copied_and_may_not_clash(playbook, write_retro):
    write_retro("2025/osprey.md")
    (playbook / "pages").mkdir()
    (playbook / "pages/about.md").write_text("# About\n", encoding="utf-8")
    _, docs = _generate(playbook)
    assert (docs / "about.md").read_text(encoding="utf-8") == "# About\n"
    (playbook / "pages/index.md").write_text("# Mine\n", encoding="utf-8")
    result, _ = _generate(playbook)
    assert result.exit_code == 1
    assert "pages/index.md: error: collides with the generated page index.md" in result.stderr


def test_broken_template_is_a_diagnostic_not_a_traceback(playbook, write_retro):
    write_retro("2025/osprey.md")
    default = (DEFAULTS / "templates/stage.md.j2").read_text(encoding="utf-8")
    (playbook / "templates/stage.md.j2").write_text(default.replace("term.name", "term.nme", 1), encoding="utf-8")
    result, _ = _generate(playbook)
    assert result.exit_code == 1
    assert "templates/stage.md.j2:" in result.stderr and "nme" in result.stderr
    assert "Traceback" not in result.output


def test_a_template_linking_to_an_unknown_term_names_the_call_and_the_known_terms(playbook, write_retro):
    write_retro("2025/osprey.md")
    default = (DEFAULTS / "templates/home.md.j2").read_text(encoding="utf-8")
    (playbook / "templates/home.md.j2").write_text(default + '\n{{ m.term_link("stages", "closng") }}\n', encoding="utf-8")
    result, _ = _generate(playbook)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "templates/home.md.j2:" in result.stderr
    assert "term_link('stages', 'closng'): not a term of the taxonomy; known: prospecting," in result.stderr


def test_a_team_template_gets_jinja_calls_right(playbook, write_retro):
    """Calls in templates skip Jinja's pass_context checks where they cannot apply (render speed): macros
    with caller blocks, url() in a loop with loop variables, built-ins and methods must still work."""
    write_retro("2025/osprey.md")
    (playbook / "templates/tags.md.j2").write_text(
        '''{% import "_macros.md.j2" as m with context %}
{% macro boxed(label) %}[{{ label }}: {{ caller(label | upper) }}]{% endmacro %}
# Tags
{% call(shout) boxed("retro") %}{{ shout }} {{ url("retros/osprey.md") }}{% endcall %}
{% set ns = namespace(n=0) %}
{% for i in range(2) %}{% set depth = i %}{% set ns.n = ns.n + 1 %}
- {{ depth }} {{ url("stages/evaluation.md#x") }} {{ dict(a=1).items() | list }} {{ "a-b".split("-") }} {{ m.term_link("stages", "evaluation") }}
{% endfor %}
{{ ns.n }} {{ m.retro_link(playbook.retros[0]) }} {{ playbook.retros[0].date.isoformat() }}
''',
        encoding="utf-8",
    )
    result, docs = _generate(playbook)
    assert result.exit_code == 0, result.output
    assert (docs / "tags.md").read_text(encoding="utf-8") == (
        "# Tags\n"
        "[retro: RETRO retros/osprey.md]- 0 stages/evaluation.md#x [('a', 1)] ['a', 'b'] [Demo & technical evaluation](stages/evaluation.md)\n"
        "- 1 stages/evaluation.md#x [('a', 1)] ['a', 'b'] [Demo & technical evaluation](stages/evaluation.md)\n"
        "2 [Osprey](retros/osprey.md) 2025-03-11\n"
    )


def test_publish_refuses_a_folder_it_did_not_make(tmp_path):
    target = tmp_path / "docs"
    target.mkdir()
    (target / "precious.md").write_text("keep me", encoding="utf-8")
    with pytest.raises(PublishError, match="not made by playbookgen"):
        write_tree(target, {"index.md": b"# hi\n"})
    assert (target / "precious.md").read_text(encoding="utf-8") == "keep me"


def test_publish_claims_an_empty_folder_and_prunes_empty_directories(tmp_path):
    target = tmp_path / "docs"
    report = write_tree(target, {"a/b.md": b"x", "index.md": b"y"})
    assert sorted(report.written) == ["a/b.md", "index.md"] and (target / MARKER).is_file()
    report = write_tree(target, {"index.md": b"y"})
    assert report.removed == ["a/b.md"] and report.unchanged == ["index.md"]
    assert not (target / "a").exists()


def test_sample_templates_render_under_strict_undefined(tmp_path):
    root = tmp_path / "pb"
    shutil.copytree(REPO / "site_config", root / "site_config")
    shutil.copytree(REPO / "templates", root / "templates")
    shutil.copytree(REPO / "retros", root / "retros")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    generated = pipeline.generate(root, audience="team")
    assert generated.checked.diagnostics == []
    files = set(generated.files)
    fixed = {"index.md", "stages/index.md", "roles/index.md", "objections/index.md", "retros/index.md", "tags.md",
             "plays/index.md", "competitors/index.md", "insights.md", "actions.md", "feed.xml",
             "exports/lessons.csv", "exports/lessons.json", "assets/playbookgen.css"}
    assert fixed <= files
    assert len([f for f in files if f.startswith("stages/")]) == 1 + 8
    assert len([f for f in files if f.startswith("roles/")]) == 1 + 10
    assert len([f for f in files if f.startswith("objections/")]) == 1 + 14
    assert len([f for f in files if f.startswith("retros/")]) == 1 + 16
    assert len([f for f in files if f.startswith("plays/")]) == 1 + 4  # the sample's four recurring plays


def test_retro_cache_revalidates_only_changed_files_and_resets_on_a_new_taxonomy(playbook, write_retro, monkeypatch):
    from playbookgen import corpus

    write_retro("2025/osprey.md")
    heron = write_retro("2024/heron.md", SECOND)
    calls: list[str] = []
    real = corpus.validate_retro
    monkeypatch.setattr(corpus, "validate_retro", lambda source, *a: calls.append(source.path) or real(source, *a))
    cache = corpus.RetroCache()
    pipeline.check(playbook, cache)
    assert sorted(calls) == ["retros/2024/heron.md", "retros/2025/osprey.md"]
    calls.clear()
    first = pipeline.check(playbook, cache)
    assert calls == [] and len(first.playbook.retros) == 2  # nothing changed: nothing validated again
    heron.write_text(SECOND.replace("Lost Heron", "Lost Heron again"), encoding="utf-8")
    assert [r.title for r in pipeline.check(playbook, cache).playbook.retros if r.id == "heron"] == [
        "Lost Heron again on price after a late security review"]
    assert calls == ["retros/2024/heron.md"]
    calls.clear()
    (playbook / "site_config/taxonomy.yml").write_bytes((DEFAULTS / "taxonomy.yml").read_bytes() + b"\n# edited\n")
    pipeline.check(playbook, cache)
    assert len(calls) == 2  # a new taxonomy: every retro is validated against it


def _lesson(n: int, role: str) -> str:
    return f"""
### Lesson number {n} about [pilots] | pricing

- stage: evaluation
- roles: {role}
- result: worked

What happened in lesson {n}.
"""


def test_group_sections_show_the_first_cards_and_list_the_rest_one_row_each(playbook, write_retro):
    config = playbook / "site_config/playbook.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("cards_per_section: 12", "cards_per_section: 2"), encoding="utf-8")
    head = VALID_RETRO.split("## Lessons")[0] + "## Lessons\n"
    write_retro("2025/osprey.md", head + "".join(_lesson(n, "sales-engineer") for n in range(1, 6)))
    result, docs = _generate(playbook)
    assert result.exit_code == 0, result.output
    page = (docs / "stages/evaluation.md").read_text(encoding="utf-8")
    section = page[page.index("## Sales Engineer") :]
    assert section.count("\n-   **[") == 2  # two cards in full
    assert '??? info "3 more lessons"' in section
    rows = [line for line in section.splitlines() if line.startswith("    | [Lesson number")]
    assert len(rows) == 3  # every other lesson is still one click away, with its result, deal and date
    assert rows[0].startswith(r"    | [Lesson number ")
    assert r"\[pilots\] \| pricing" in rows[0]  # brackets and pipes cannot break the link or the table
    assert all(row.endswith("| Worked | Osprey | 2025-03-11 |") for row in rows)
    anchors = {line.split("](")[1].split(")")[0] for line in rows}
    assert len(anchors) == 3 and all(a.startswith("../retros/osprey.md#l") for a in anchors)
    role_page = (docs / "roles/sales-engineer.md").read_text(encoding="utf-8")
    assert '??? info "3 more lessons"' in role_page


def test_a_large_section_builds_with_valid_links(tmp_path, write_retro, playbook):
    """The collapsed table is real Markdown: MkDocs (strict, anchors checked) renders it with links."""
    config = playbook / "site_config/playbook.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("cards_per_section: 12", "cards_per_section: 1"), encoding="utf-8")
    head = VALID_RETRO.split("## Lessons")[0] + "## Lessons\n"
    write_retro("2025/osprey.md", head + "".join(_lesson(n, "sales-engineer") for n in range(1, 4)))
    result = CliRunner().invoke(cli, ["-C", str(playbook), "build"])
    assert result.exit_code == 0, result.output
    html = (playbook / "site/stages/evaluation/index.html").read_text(encoding="utf-8")
    assert "<details" in html and "2 more lessons" in html
    assert html.count('href="../../retros/osprey/#l') >= 3


def test_build_timings_name_every_phase(playbook, write_retro):
    write_retro("2025/osprey.md")
    result = CliRunner().invoke(cli, ["-C", str(playbook), "build", "--timings"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stderr.splitlines() if line.startswith("timings (CPU s, this process): "))
    phases = dict(part.rsplit(" ", 1) for part in line.split(": ", 1)[1].split("; ")[0].split(", "))
    assert list(phases) == ["generate", "tidy", "MkDocs", "leak check"]
    assert all(float(seconds) >= 0 for seconds in phases.values()) and float(phases["MkDocs"]) > 0


def test_long_lists_on_a_stage_page_are_cut_with_a_count(playbook, write_retro):
    """At scale, 'Not yet grouped' and 'Who to ask' name the first few and say how many more there are."""
    config = playbook / "site_config/playbook.yml"
    text = config.read_text(encoding="utf-8").replace("cards_per_section: 12", "cards_per_section: 2")
    config.write_text(text.replace("people_to_ask: 10", "people_to_ask: 1"), encoding="utf-8")
    head = VALID_RETRO.split("## Lessons")[0].replace(
        "---\n\n## Summary", "team: [{name: Ana Lima, role: SE}, {name: Bo Chen, role: SE}, {name: Cy Dunn, role: SE}]\n---\n\n## Summary"
    )
    write_retro("2025/osprey.md", head + "## Lessons\n" + "".join(_lesson(n, "sales-engineer") for n in range(1, 6)))
    result, docs = _generate(playbook)
    assert result.exit_code == 0, result.output
    page = (docs / "stages/evaluation.md").read_text(encoding="utf-8")
    loose = page[page.index("**Not yet grouped**") :].split("\n\n")[0]
    assert loose.count("](../retros/osprey.md#l") == 2 and loose.endswith(" · and 3 more in the sections below")
    assert "- Ana Lima (Sales Engineer): 1 won deal\n- and 2 more people\n" in page
    assert "Bo Chen" not in page.split("**Who to ask**")[1].split("\n## ")[0]


def test_template_functions_that_ask_for_the_context_still_get_it():
    from jinja2 import pass_context

    from playbookgen.render import environment

    env = environment([DEFAULTS / "templates"])
    env.globals["who"] = pass_context(lambda context: context["name"])
    template = env.from_string("{{ who() }}{% for i in [1] %}{% set name = 'loop' %}{{ who() }}{% endfor %}")
    assert template.render(name="page") == "pageloop"


def test_a_template_cannot_change_the_shared_display_names(playbook, write_retro):
    """`names.results` and `names["results"]` must always be the same table: names is read-only."""
    write_retro("2025/osprey.md")
    (playbook / "templates/tags.md.j2").write_text(
        '{% set mine = dict(names) %}{{ mine.results.worked }} {{ names["results"]["worked"] }}\n'
        '{% set _ = names.update({"results": {}}) %}\n',
        encoding="utf-8",
    )
    result, _ = _generate(playbook)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "templates/tags.md.j2:2: error: TypeError: names is read-only; copy it first" in result.stderr
