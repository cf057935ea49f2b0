"""The shipped taxonomy (site_config/taxonomy.yml) and the validation of a team's edited taxonomy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import VALID_RETRO

from playbookgen.cli import cli
from playbookgen.diagnostics import Diagnostics
from playbookgen.layout import DEFAULTS
from playbookgen.taxonomy import Taxonomy, load_taxonomy

TAXONOMY = "site_config/taxonomy.yml"
SHIPPED = (DEFAULTS / "taxonomy.yml").read_text(encoding="utf-8")  # the packaged default

STAGES = [
    "prospecting",
    "qualification",
    "discovery",
    "evaluation",
    "proposal",
    "negotiation",
    "closing",
    "handoff",
]
ROLES = [
    "account-executive",
    "sales-engineer",
    "business-development",
    "sales-manager",
    "executive-sponsor",
    "delivery-consultant",
    "customer-success",
    "marketing",
    "legal",
    "deal-desk",
]
OBJECTIONS = [
    "price",
    "no-need",
    "timing",
    "authority",
    "competitor",
    "security-compliance",
    "legal-procurement",
    "technical-fit",
    "vendor-risk",
    "roi-value",
    "implementation-effort",
    "indecision",
    "sales-experience",
    "other",
]


@pytest.fixture(scope="module")
def shipped() -> Taxonomy:
    diagnostics = Diagnostics()
    taxonomy = load_taxonomy(SHIPPED, TAXONOMY, diagnostics)
    assert [d.format() for d in diagnostics] == []
    return taxonomy


def line_of(text: str, needle: str) -> int:
    hits = [n for n, line in enumerate(text.split("\n"), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} must be on exactly one line"
    return hits[0]


# --- the shipped taxonomy --------------------------------------------------------------------------


def test_shipped_taxonomy_loads_without_problems():
    diagnostics = Diagnostics()
    load_taxonomy(SHIPPED, TAXONOMY, diagnostics)
    assert [d.format() for d in diagnostics] == []


def test_stages_in_order(shipped):
    assert shipped.stages.slugs == STAGES


def test_roles_in_order(shipped):
    assert shipped.roles.slugs == ROLES


def test_objections_in_order(shipped):
    assert shipped.objections.slugs == OBJECTIONS


@pytest.mark.parametrize("key", ["stages", "roles", "objections"])
def test_every_term_has_a_name_and_a_description(shipped, key):
    for term in shipped.dimension(key).terms:
        assert term.name.strip(), term.slug
        assert term.description.strip(), term.slug
        assert term.name != term.slug, term.slug  # a display name, not the slug repeated


@pytest.mark.parametrize(
    ("key", "written", "slug"),
    [
        ("stages", "POC", "evaluation"),
        ("stages", "demo", "evaluation"),
        ("stages", "proof of concept", "evaluation"),
        ("stages", "procurement", "negotiation"),
        ("stages", "onboarding", "handoff"),
        ("stages", "needs analysis", "discovery"),
        ("stages", "Demo & technical evaluation", "evaluation"),
        ("roles", "AE", "account-executive"),
        ("roles", "SE", "sales-engineer"),
        ("roles", "solutions engineer", "sales-engineer"),
        ("roles", "BDR", "business-development"),
        ("roles", "SDR", "business-development"),
        ("roles", "CSM", "customer-success"),
        ("roles", "exec sponsor", "executive-sponsor"),
        ("roles", "professional services", "delivery-consultant"),
        ("roles", "Sales Engineer", "sales-engineer"),
        ("objections", "budget", "price"),
        ("objections", "status quo", "no-need"),
        ("objections", "security", "security-compliance"),
        ("objections", "incumbent", "competitor"),
        ("objections", "integration", "technical-fit"),
        ("objections", "ROI", "roi-value"),
        ("objections", "procurement", "legal-procurement"),
    ],
)
def test_alias_resolves(shipped, key, written, slug):
    resolution = shipped.dimension(key).resolve(written)
    assert (resolution.slug, resolution.error, resolution.warning) == (slug, None, None)


@pytest.mark.parametrize("key", ["stages", "roles", "objections"])
def test_every_slug_resolves_to_itself(shipped, key):
    dimension = shipped.dimension(key)
    assert [dimension.resolve(slug).slug for slug in dimension.slugs] == dimension.slugs


@pytest.mark.parametrize(
    "written",
    [
        "needs analysis",
        "Needs_Analysis",
        "needs-analysis",
        "NEEDS/ANALYSIS",
        "  needs   analysis  ",
        "Needs Analysis",
    ],
)
def test_matching_folds_case_and_separators(shipped, written):
    assert shipped.stages.resolve(written).slug == "discovery"


def test_same_alias_in_two_dimensions_resolves_per_dimension(shipped):
    assert shipped.stages.resolve("roi").slug == "proposal"
    assert shipped.objections.resolve("roi").slug == "roi-value"


@pytest.mark.parametrize("written", ["SA", "sa", "Sa"])
def test_ambiguous_alias_resolves_to_default_with_a_warning(shipped, written):
    resolution = shipped.roles.resolve(written)
    assert resolution.slug == "sales-engineer"
    assert resolution.error is None
    assert resolution.warning is not None
    assert "ambiguous" in resolution.warning
    assert "delivery-consultant" in resolution.warning


def test_unknown_value_lists_slugs_and_suggests(shipped):
    resolution = shipped.stages.resolve("discvoery")
    assert resolution.slug is None
    assert resolution.error is not None
    assert "did you mean 'discovery'" in resolution.error
    assert ", ".join(STAGES) in resolution.error


def test_unknown_value_without_a_close_match_still_lists_slugs(shipped):
    error = shipped.objections.resolve("zzzzzz").error
    assert error is not None
    assert "did you mean" not in error
    assert ", ".join(OBJECTIONS) in error


# --- an edited taxonomy is validated by `playbookgen check` -----------------------------------------


def check_with_taxonomy(playbook: Path, text: str):
    (playbook / TAXONOMY).write_text(text, encoding="utf-8")
    return CliRunner().invoke(cli, ["-C", str(playbook), "check"])


def edited(old: str, new: str) -> str:
    assert SHIPPED.count(old) == 1, f"{old!r} must occur exactly once in the shipped taxonomy"
    return SHIPPED.replace(old, new)


def diagnostic_lines(output: str, path: str = TAXONOMY) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(f"{path}:")]


def test_shipped_taxonomy_checks_clean(playbook, write_retro):
    write_retro("osprey.md")
    result = check_with_taxonomy(playbook, SHIPPED)
    assert result.exit_code == 0, result.output
    assert diagnostic_lines(result.output) == []


def test_duplicate_slug_is_an_error_at_the_second_slug(playbook, write_retro):
    write_retro("osprey.md")
    text = edited("  - slug: other\n", "  - slug: price\n")
    result = check_with_taxonomy(playbook, text)
    assert result.exit_code == 1
    lines = diagnostic_lines(result.output)
    expected = _nth_line(text, "  - slug: price", 2)
    assert any(
        line.startswith(f"{TAXONOMY}:{expected}: error:") and "duplicate" in line and "'price'" in line
        for line in lines
    ), result.output


def _nth_line(text: str, needle: str, n: int) -> int:
    hits = [i for i, line in enumerate(text.split("\n"), start=1) if line.startswith(needle)]
    return hits[n - 1]


def test_alias_naming_two_values_of_one_dimension_is_an_error(playbook, write_retro):
    write_retro("osprey.md")
    text = edited("aliases: [needs analysis,", "aliases: [demo, needs analysis,")
    result = check_with_taxonomy(playbook, text)
    assert result.exit_code == 1
    lines = [line for line in diagnostic_lines(result.output) if "'demo'" in line]
    assert len(lines) == 1, result.output
    assert ": error: " in lines[0]
    assert "'discovery'" in lines[0] and "'evaluation'" in lines[0]
    line = int(lines[0].split(":")[1])
    # at the evaluation entry (its slug or its aliases line), the second claimant of 'demo'
    assert line in (line_of(text, "- slug: evaluation"), line_of(text, "aliases: [demo, poc,"))


def test_alias_equal_to_another_terms_name_is_an_error(playbook, write_retro):
    write_retro("osprey.md")
    text = edited("aliases: [qualify, qualified,", "aliases: [discovery, qualify, qualified,")
    result = check_with_taxonomy(playbook, text)
    assert result.exit_code == 1
    assert any(
        "'discovery'" in line and "'qualification'" in line for line in diagnostic_lines(result.output)
    )


def test_same_alias_in_two_dimensions_is_fine(playbook, write_retro):
    write_retro("osprey.md")
    # 'closer' is already a role alias; adding it to a stage is a different dimension
    text = edited("aliases: [close, closing,", "aliases: [closer, close, closing,")
    result = check_with_taxonomy(playbook, text)
    assert result.exit_code == 0, result.output
    assert diagnostic_lines(result.output) == []


def test_ambiguous_default_that_is_not_a_slug_is_an_error(playbook, write_retro):
    write_retro("osprey.md")
    text = edited("sa: {default: sales-engineer,", "sa: {default: solutions-architect,")
    result = check_with_taxonomy(playbook, text)
    assert result.exit_code == 1
    expected = (
        f"{TAXONOMY}:{line_of(text, 'sa: {default: solutions-architect')}: error: ambiguous_aliases.roles.sa:"
    )
    lines = [line for line in diagnostic_lines(result.output) if line.startswith(expected)]
    assert len(lines) == 1, result.output
    assert "sales-engineer" in lines[0]  # the allowed defaults are listed


def test_ambiguous_also_naming_an_unknown_slug_is_an_error(playbook, write_retro):
    write_retro("osprey.md")
    text = edited("also: [delivery-consultant]", "also: [solutions-architect]")
    result = check_with_taxonomy(playbook, text)
    assert result.exit_code == 1
    assert any(
        "ambiguous_aliases.roles.sa" in line and "'solutions-architect'" in line
        for line in diagnostic_lines(result.output)
    ), result.output


def test_broken_yaml_is_an_error_with_the_line(playbook, write_retro):
    write_retro("osprey.md")
    text = edited("    name: Prospecting\n", "    name: Prospecting: first contact\n")
    result = check_with_taxonomy(playbook, text)
    assert result.exit_code == 1
    expected = f"{TAXONOMY}:{line_of(text, 'name: Prospecting: first contact')}: error:"
    assert any(line.startswith(expected) for line in diagnostic_lines(result.output)), result.output
    assert "YAML" in result.output


def test_broken_taxonomy_does_not_blame_every_retro(playbook, write_retro):
    write_retro("osprey.md")
    text = edited("    name: Prospecting\n", "    name: Prospecting: first contact\n")
    result = check_with_taxonomy(playbook, text)
    assert result.exit_code == 1
    # the retro is fine: its 'unknown stage' would be a consequence of the broken taxonomy, not a problem
    assert "retros/osprey.md" not in result.output, result.output


def test_slug_that_is_not_a_slug_is_an_error(playbook, write_retro):
    write_retro("osprey.md")
    text = edited("  - slug: marketing\n", "  - slug: Marketing Team\n")
    result = check_with_taxonomy(playbook, text)
    assert result.exit_code == 1
    expected = f"{TAXONOMY}:{line_of(text, 'slug: Marketing Team')}: error:"
    assert any(line.startswith(expected) for line in diagnostic_lines(result.output)), result.output


def test_empty_dimension_is_an_error(playbook, write_retro):
    write_retro("osprey.md")
    text = re.sub(r"objections:.*?\n(?=# Aliases)", "objections: []\n\n", SHIPPED, flags=re.S)
    assert "slug: price" not in text
    result = check_with_taxonomy(playbook, text)
    assert result.exit_code == 1
    assert any(": error: objections:" in line for line in diagnostic_lines(result.output)), result.output


def test_without_its_own_taxonomy_a_playbook_uses_the_packaged_default(playbook, write_retro):
    write_retro("osprey.md")
    assert not (playbook / TAXONOMY).exists()
    result = CliRunner().invoke(cli, ["-C", str(playbook), "check", "--strict"])
    assert result.exit_code == 0, result.output


def test_unreadable_taxonomy_is_an_error_naming_it(playbook, write_retro):
    write_retro("osprey.md")
    (playbook / TAXONOMY).write_bytes(b"stages: [\xff]\n")
    result = CliRunner().invoke(cli, ["-C", str(playbook), "check"])
    assert result.exit_code == 1
    assert f"{TAXONOMY}:1: error:" in result.output and "UTF-8" in result.output


def test_edited_taxonomy_is_used_for_retros(playbook, write_retro):
    write_retro("osprey.md")
    text = edited("aliases: [demo, poc,", "aliases: [bakeoff-week, demo, poc,")
    (playbook / TAXONOMY).write_text(text, encoding="utf-8")
    write_retro("b.md", VALID_RETRO.replace("- stage: evaluation", "- stage: Bakeoff Week"))
    result = CliRunner().invoke(cli, ["-C", str(playbook), "check", "--strict"])
    assert result.exit_code == 0, result.output


def test_a_number_as_a_top_level_key_is_a_warning_not_a_traceback():
    """`1: x` beside `foo: y` made sorting the unknown keys compare an int with a str."""
    text = "1: x\nfoo: y\n" + (DEFAULTS / "taxonomy.yml").read_text(encoding="utf-8")
    diagnostics = Diagnostics()
    assert load_taxonomy(text, "site_config/taxonomy.yml", diagnostics) is not None
    assert [(d.field, d.line, d.level.value) for d in diagnostics] == [("1", 1, "warning"), ("foo", 2, "warning")]
