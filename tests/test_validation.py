"""Every rule of the retro format contract, seen through the diagnostics a writer reads.

Each test writes one (mostly valid) retro with a single defect and checks what `check` reports:
the file, the line (computed from the input text), the field path, the level and the key phrases
of the message (allowed values, expected type, "did you mean").
"""

from __future__ import annotations

import re

import pytest
from conftest import VALID_RETRO

from playbookgen import pipeline
from playbookgen.diagnostics import Diagnostic, Level

PATH = "retros/x.md"


# --- helpers ---------------------------------------------------------------------------------------


def edit(old: str, new: str, text: str = VALID_RETRO) -> str:
    """VALID_RETRO with one exact, unique piece replaced (fails loudly if the piece is not there)."""
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the `occurrence`-th line of `text` that contains `needle`."""
    hits = [n for n, line in enumerate(text.split("\n"), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not found {occurrence} time(s)"
    return hits[occurrence - 1]


def with_deal(extra: str, text: str = VALID_RETRO) -> str:
    """Add lines (already indented by two spaces) at the end of the `deal:` mapping."""
    return edit("  outcome: won\n", "  outcome: won\n" + extra, text)


def with_top(extra: str, text: str = VALID_RETRO) -> str:
    """Add top-level front matter lines after `date:`."""
    return edit("date: 2025-03-11\n", "date: 2025-03-11\n" + extra, text)


def with_attributes(attributes: str, text: str = VALID_RETRO) -> str:
    """Replace the L1 lesson's attribute list."""
    old = "- stage: evaluation\n- roles: sales-engineer\n- objection: technical-fit\n- result: worked\n"
    return edit(old, attributes, text)


def run(playbook, write_retro, text: str, name: str = "x.md") -> pipeline.Checked:
    write_retro(name, text)
    return pipeline.check(playbook)


def diagnostics(playbook, write_retro, text: str, name: str = "x.md") -> list[Diagnostic]:
    return list(run(playbook, write_retro, text, name).diagnostics)


def only(items: list[Diagnostic], field: str | None = ..., level: Level | None = None) -> Diagnostic:
    """The single diagnostic for `field` (and `level`), failing with every diagnostic when not exactly one."""
    found = [d for d in items if (field is ... or d.field == field) and (level is None or d.level is level)]
    assert len(found) == 1, "\n".join(d.format() for d in items) or "no diagnostics"
    return found[0]


def error(items: list[Diagnostic], field: str | None = ...) -> Diagnostic:
    return only(items, field, Level.ERROR)


def warning(items: list[Diagnostic], field: str | None = ...) -> Diagnostic:
    return only(items, field, Level.WARNING)


def assert_clean(checked: pipeline.Checked) -> None:
    assert [d.format() for d in checked.diagnostics] == []
    assert checked.playbook is not None


def the_retro(checked: pipeline.Checked):
    assert checked.playbook is not None
    assert len(checked.playbook.retros) == 1, [d.format() for d in checked.diagnostics]
    return checked.playbook.retros[0]


def the_lesson(checked: pipeline.Checked):
    retro = the_retro(checked)
    assert len(retro.lessons) == 1
    return retro.lessons[0]


LESSON_HEADING = "### L1 Write POC success criteria down before kickoff"


# --- the baseline ----------------------------------------------------------------------------------


def test_valid_retro_is_clean(playbook, write_retro):
    assert_clean(run(playbook, write_retro, VALID_RETRO))


def test_diagnostic_format_is_path_line_level_field_message(playbook, write_retro):
    text = edit("outcome: won", "outcome: pending")
    d = error(diagnostics(playbook, write_retro, text), "deal.outcome")
    assert d.format().startswith(f"{PATH}:{line_of(text, 'outcome: pending')}: error: deal.outcome: ")


# --- front matter framing --------------------------------------------------------------------------


def test_no_front_matter_is_an_error_naming_the_file(playbook, write_retro):
    text = VALID_RETRO.split("---\n", 2)[2]  # the body only
    d = error(diagnostics(playbook, write_retro, text))
    assert (d.path, d.line) == (PATH, 1)
    assert "no front matter" in d.message
    assert "'---'" in d.message


def test_empty_file_is_a_no_front_matter_error(playbook, write_retro):
    d = error(diagnostics(playbook, write_retro, ""))
    assert (d.path, d.line) == (PATH, 1)
    assert "no front matter" in d.message


def test_unclosed_front_matter_says_the_closing_line_is_missing(playbook, write_retro):
    text = edit("outcome: won\n---\n", "outcome: won\n")
    d = error(diagnostics(playbook, write_retro, text))
    assert (d.path, d.line) == (PATH, 1)
    # The file does start with '---': the writer must be told the *closing* '---' is missing,
    # not that there is no front matter at all.
    assert re.search(r"not closed|unclosed|no closing|closing '---'", d.message), d.message


def test_bad_yaml_is_reported_at_the_line_of_the_yaml_error(playbook, write_retro):
    text = edit("  outcome: won", "   outcome: won")  # mis-indented under codename
    d = error(diagnostics(playbook, write_retro, text))
    assert (d.path, d.line) == (PATH, line_of(text, "   outcome: won"))
    assert "invalid YAML" in d.message


def test_bad_yaml_unclosed_quote_names_the_file(playbook, write_retro):
    text = edit('title: "Won Osprey by writing POC success criteria down"', 'title: "Won Osprey')
    d = error(diagnostics(playbook, write_retro, text))
    assert d.path == PATH
    assert d.line is not None and line_of(text, 'title: "Won Osprey') <= d.line <= 7
    assert "invalid YAML" in d.message


def test_empty_front_matter_asks_for_the_required_fields(playbook, write_retro):
    text = "---\n---\n" + VALID_RETRO.split("---\n", 2)[2]
    d = error(diagnostics(playbook, write_retro, text))
    assert (d.path, d.line) == (PATH, 1)
    assert "empty" in d.message
    for name in ("title", "date", "deal"):
        assert name in d.message


def test_front_matter_that_is_a_list_must_be_a_mapping(playbook, write_retro):
    text = "---\n- title\n- date\n---\n" + VALID_RETRO.split("---\n", 2)[2]
    d = error(diagnostics(playbook, write_retro, text))
    assert d.path == PATH
    assert d.line in (1, 2)
    assert "must be a mapping" in d.message
    assert "list" in d.message


# --- required fields -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remove", "field", "hint"),
    [
        ('title: "Won Osprey by writing POC success criteria down"\n', "title", "title"),
        ("date: 2025-03-11\n", "date", "YYYY-MM-DD"),
        ("deal:\n  codename: Osprey\n  outcome: won\n", "deal", "codename"),
    ],
)
def test_missing_top_level_field_is_an_error(playbook, write_retro, remove, field, hint):
    text = edit(remove, "")
    d = error(diagnostics(playbook, write_retro, text), field)
    assert d.path == PATH
    assert d.line in (1, 2)  # the front matter's start: there is no line for a missing key
    assert "missing" in d.message
    assert hint in d.message


@pytest.mark.parametrize(
    ("remove", "field", "hint"),
    [
        ("  codename: Osprey\n", "deal.codename", "codename"),
        ("  outcome: won\n", "deal.outcome", "won | lost | no-decision | open"),
    ],
)
def test_missing_deal_field_is_reported_at_the_deal_line(playbook, write_retro, remove, field, hint):
    text = edit(remove, "")
    d = error(diagnostics(playbook, write_retro, text), field)
    assert (d.path, d.line) == (PATH, line_of(text, "deal:"))
    assert "missing" in d.message
    assert hint in d.message


# --- outcome ---------------------------------------------------------------------------------------


def test_bad_outcome_lists_the_allowed_outcomes(playbook, write_retro):
    text = edit("outcome: won", "outcome: pending")
    d = error(diagnostics(playbook, write_retro, text), "deal.outcome")
    assert (d.path, d.line) == (PATH, line_of(text, "outcome: pending"))
    assert "'pending'" in d.message
    for allowed in ("won", "lost", "no-decision", "open"):
        assert allowed in d.message


def test_misspelt_outcome_suggests_the_closest(playbook, write_retro):
    text = edit("outcome: won", "outcome: lsot")
    d = error(diagnostics(playbook, write_retro, text), "deal.outcome")
    assert "did you mean 'lost'" in d.message


def test_bad_outcome_does_not_point_to_the_taxonomy_file(playbook, write_retro):
    # Outcomes are a fixed vocabulary of the format; they are not editable in taxonomy.yml.
    text = edit("outcome: won", "outcome: pending")
    d = error(diagnostics(playbook, write_retro, text), "deal.outcome")
    assert "taxonomy.yml" not in d.message


@pytest.mark.parametrize(
    ("written", "outcome"),
    [
        ("closed won", "won"),
        ("closed-won", "won"),
        ("Closed Won", "won"),
        ("win", "won"),
        ("Won", "won"),
        ("closed lost", "lost"),
        ("loss", "lost"),
        ("no decision", "no-decision"),
        ("stalled", "no-decision"),
        ("went dark", "no-decision"),
        ("open", "open"),
    ],
)
def test_outcome_aliases_are_accepted(playbook, write_retro, written, outcome):
    checked = run(playbook, write_retro, edit("outcome: won", f"outcome: {written}"))
    assert_clean(checked)
    assert the_retro(checked).deal.outcome == outcome


# --- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["March 3", "2025-02-30", "2025-03-11 10:30:00", "11/03/2025", "2025-3-1"],
)
def test_bad_date_is_an_error_expecting_yyyy_mm_dd(playbook, write_retro, written):
    text = edit("date: 2025-03-11", f"date: {written}")
    d = error(diagnostics(playbook, write_retro, text), "date")
    assert (d.path, d.line) == (PATH, line_of(text, f"date: {written}"))
    assert "YYYY-MM-DD" in d.message


def test_impossible_calendar_date_says_so(playbook, write_retro):
    text = edit("date: 2025-03-11", "date: 2025-02-30")
    d = error(diagnostics(playbook, write_retro, text), "date")
    assert "2025-02-30" in d.message


def test_datetime_instead_of_date_is_an_error(playbook, write_retro):
    text = edit("date: 2025-03-11", "date: 2025-03-11T10:30:00")
    d = error(diagnostics(playbook, write_retro, text), "date")
    assert d.line == line_of(text, "date: 2025-03-11T10:30:00")
    assert "date and time" in d.message


def test_quoted_iso_date_is_accepted(playbook, write_retro):
    checked = run(playbook, write_retro, edit("date: 2025-03-11", 'date: "2025-03-11"'))
    assert_clean(checked)
    assert str(the_retro(checked).date) == "2025-03-11"


def test_bad_deal_opened_date_names_deal_opened(playbook, write_retro):
    text = with_deal("  opened: last spring\n")
    d = error(diagnostics(playbook, write_retro, text), "deal.opened")
    assert d.line == line_of(text, "opened: last spring")
    assert "YYYY-MM-DD" in d.message


def test_closed_before_opened_is_an_error_at_closed(playbook, write_retro):
    text = with_deal("  opened: 2025-03-01\n  closed: 2025-02-01\n")
    d = error(diagnostics(playbook, write_retro, text), "deal.closed")
    assert (d.path, d.line) == (PATH, line_of(text, "closed: 2025-02-01"))
    assert "before" in d.message
    assert "2025-02-01" in d.message and "2025-03-01" in d.message


def test_closed_on_the_day_opened_is_fine(playbook, write_retro):
    checked = run(playbook, write_retro, with_deal("  opened: 2025-03-01\n  closed: 2025-03-01\n"))
    assert_clean(checked)
    assert the_retro(checked).deal.cycle_days == 0


# --- wrong types -----------------------------------------------------------------------------------


def test_list_where_a_word_is_expected(playbook, write_retro):
    text = edit("codename: Osprey", "codename: [a, b]")
    d = error(diagnostics(playbook, write_retro, text), "deal.codename")
    assert (d.path, d.line) == (PATH, line_of(text, "codename: [a, b]"))
    assert "expected text" in d.message
    assert "list" in d.message


def test_list_where_the_outcome_word_is_expected(playbook, write_retro):
    text = edit("outcome: won", "outcome: [won, lost]")
    d = error(diagnostics(playbook, write_retro, text), "deal.outcome")
    assert d.line == line_of(text, "outcome: [won, lost]")
    assert "expected text" in d.message
    assert "list" in d.message


def test_empty_title_is_an_error(playbook, write_retro):
    text = edit('title: "Won Osprey by writing POC success criteria down"', 'title: ""')
    d = error(diagnostics(playbook, write_retro, text), "title")
    assert d.line == line_of(text, 'title: ""')
    assert "empty" in d.message


def test_team_as_a_mapping_expects_a_list(playbook, write_retro):
    text = with_top("team: {name: Priya, role: AE}\n")
    d = error(diagnostics(playbook, write_retro, text), "team")
    assert d.line == line_of(text, "team:")
    assert "list" in d.message


def test_team_member_without_role_names_the_member(playbook, write_retro):
    text = with_top("team:\n  - {name: Priya}\n")
    d = error(diagnostics(playbook, write_retro, text), "team[0].role")
    assert d.line == line_of(text, "{name: Priya}")
    assert "missing" in d.message


def test_title_as_a_mapping(playbook, write_retro):
    text = edit('title: "Won Osprey by writing POC success criteria down"', "title: {text: Osprey}")
    d = error(diagnostics(playbook, write_retro, text), "title")
    assert (d.path, d.line) == (PATH, line_of(text, "title:"))
    assert "expected text" in d.message
    assert "mapping" in d.message


def test_deal_as_a_word(playbook, write_retro):
    text = edit("deal:\n  codename: Osprey\n  outcome: won\n", "deal: Osprey\n")
    d = error(diagnostics(playbook, write_retro, text), "deal")
    assert d.line == line_of(text, "deal: Osprey")
    assert "codename" in d.message and "outcome" in d.message


def test_negative_value_names_deal_value(playbook, write_retro):
    text = with_deal("  value: -5000\n")
    d = error(diagnostics(playbook, write_retro, text), "deal.value")
    assert (d.path, d.line) == (PATH, line_of(text, "value: -5000"))
    assert "negative" in d.message


def test_value_as_text_names_deal_value_and_expects_a_number(playbook, write_retro):
    text = with_deal('  value: "lots"\n')
    d = error(diagnostics(playbook, write_retro, text), "deal.value")
    assert (d.path, d.line) == (PATH, line_of(text, 'value: "lots"'))
    assert "expected a number" in d.message
    assert "'lots'" in d.message


def test_value_with_bad_currency_names_the_currency(playbook, write_retro):
    text = with_deal("  value: {amount: 5, currency: euros}\n")
    d = error(diagnostics(playbook, write_retro, text), "deal.value.currency")
    assert (d.path, d.line) == (PATH, line_of(text, "value: {amount: 5"))
    assert "ISO 4217" in d.message
    assert "'euros'" in d.message


def test_value_as_amount_and_currency_is_accepted(playbook, write_retro):
    checked = run(playbook, write_retro, with_deal("  value: {amount: 420000, currency: usd}\n"))
    assert_clean(checked)
    value = the_retro(checked).deal.value
    assert (value.amount, value.currency) == (420000, "USD")


def test_plain_value_takes_deal_currency(playbook, write_retro):
    checked = run(playbook, write_retro, with_deal("  value: 1000\n  currency: GBP\n"))
    assert_clean(checked)
    assert the_retro(checked).deal.value.currency == "GBP"


def test_boolean_value_is_not_a_number(playbook, write_retro):
    text = with_deal("  value: yes\n")
    d = error(diagnostics(playbook, write_retro, text), "deal.value")
    assert "expected a number" in d.message


def test_products_as_a_single_word_is_a_one_item_list(playbook, write_retro):
    checked = run(playbook, write_retro, with_deal("  products: beacon\n"))
    assert_clean(checked)
    assert the_retro(checked).deal.products == ("beacon",)


# --- unknown keys: warnings with suggestions --------------------------------------------------------


def test_unknown_deal_key_is_a_warning_with_did_you_mean(playbook, write_retro):
    text = with_deal("  outcom: lost\n")
    checked = run(playbook, write_retro, text)
    d = warning(list(checked.diagnostics), "deal.outcom")
    assert (d.path, d.line) == (PATH, line_of(text, "outcom: lost"))
    assert "did you mean 'outcome'" in d.message
    assert checked.diagnostics.errors == []
    assert len(checked.playbook.retros) == 1  # a warning does not drop the retro


def test_typo_instead_of_outcome_warns_and_errors_on_the_missing_outcome(playbook, write_retro):
    text = edit("  outcome: won", "  outcom: won")
    items = diagnostics(playbook, write_retro, text)
    assert "did you mean 'outcome'" in warning(items, "deal.outcom").message
    assert "missing" in error(items, "deal.outcome").message


def test_unknown_top_level_key_is_a_warning_with_did_you_mean(playbook, write_retro):
    text = with_top("tgas: [poc]\n")
    checked = run(playbook, write_retro, text)
    d = warning(list(checked.diagnostics), "tgas")
    assert (d.path, d.line) == (PATH, line_of(text, "tgas:"))
    assert "did you mean 'tags'" in d.message
    assert checked.diagnostics.errors == []


def test_unknown_key_without_a_close_match_lists_known_keys(playbook, write_retro):
    text = with_top("sponsor: Alice\n")
    d = warning(diagnostics(playbook, write_retro, text), "sponsor")
    assert "title" in d.message and "deal" in d.message and "visibility" in d.message


# --- fixed choices ---------------------------------------------------------------------------------


def test_bad_visibility_lists_team_internal_public(playbook, write_retro):
    text = with_top("visibility: secret\n")
    d = error(diagnostics(playbook, write_retro, text), "visibility")
    assert (d.path, d.line) == (PATH, line_of(text, "visibility: secret"))
    for allowed in ("team", "internal", "public"):
        assert allowed in d.message
    assert "taxonomy.yml" not in d.message


@pytest.mark.parametrize("written", ["team", "internal", "public"])
def test_valid_visibility_is_kept(playbook, write_retro, written):
    checked = run(playbook, write_retro, with_top(f"visibility: {written}\n"))
    assert_clean(checked)
    assert the_retro(checked).visibility == written


def test_visibility_defaults_to_internal(playbook, write_retro):
    assert the_retro(run(playbook, write_retro, VALID_RETRO)).visibility == "internal"


def test_bad_retro_format_lists_the_formats(playbook, write_retro):
    text = with_top("retro:\n  format: kanban\n")
    d = error(diagnostics(playbook, write_retro, text), "retro.format")
    assert (d.path, d.line) == (PATH, line_of(text, "format: kanban"))
    for allowed in ("start-stop-continue", "4ls", "sailboat", "mad-sad-glad", "freeform"):
        assert allowed in d.message


def test_bad_competitor_result_lists_won_lost_also_ran(playbook, write_retro):
    text = with_deal("  competitors: [Lumaroute, {name: Inhouse, result: tie}]\n")
    d = error(diagnostics(playbook, write_retro, text), "deal.competitors[1].result")
    assert (d.path, d.line) == (PATH, line_of(text, "competitors:"))
    for allowed in ("won", "lost", "also-ran"):
        assert allowed in d.message


def test_competitors_as_names_and_mappings_are_accepted(playbook, write_retro):
    text = with_deal("  competitors: [Lumaroute, {name: in-house build, result: also-ran}]\n")
    checked = run(playbook, write_retro, text)
    assert_clean(checked)
    assert [(c.name, c.result) for c in the_retro(checked).deal.competitors] == [
        ("Lumaroute", None),
        ("in-house build", "also-ran"),
    ]


# --- taxonomy values in the front matter -------------------------------------------------------------


def test_unknown_team_role_suggests_the_closest_and_lists_roles(playbook, write_retro):
    text = with_top("team:\n  - {name: Priya, role: account executve}\n")
    d = error(diagnostics(playbook, write_retro, text), "team[0].role")
    assert (d.path, d.line) == (PATH, line_of(text, "role: account executve"))
    assert "did you mean 'account-executive'" in d.message
    assert "sales-engineer" in d.message and "deal-desk" in d.message


def test_team_role_aliases_resolve(playbook, write_retro):
    text = with_top("team:\n  - {name: Priya, role: AE}\n  - {name: Tomás, role: SE}\n")
    checked = run(playbook, write_retro, text)
    assert_clean(checked)
    assert [(p.name, p.role) for p in the_retro(checked).team] == [
        ("Priya", "account-executive"),
        ("Tomás", "sales-engineer"),
    ]


def test_ambiguous_team_role_warns_and_resolves_to_the_default(playbook, write_retro):
    text = with_top("team:\n  - {name: Priya, role: AE}\n  - {name: Sam, role: SA}\n")
    checked = run(playbook, write_retro, text)
    d = warning(list(checked.diagnostics), "team[1].role")
    assert (d.path, d.line) == (PATH, line_of(text, "role: SA"))
    assert "ambiguous" in d.message
    assert "sales-engineer" in d.message and "delivery-consultant" in d.message
    assert checked.diagnostics.errors == []
    assert the_retro(checked).team[1].role == "sales-engineer"


def test_unknown_primary_reason_suggests_an_objection(playbook, write_retro):
    text = with_deal("  primary_reason: competiton\n")
    d = error(diagnostics(playbook, write_retro, text), "deal.primary_reason")
    assert d.line == line_of(text, "primary_reason: competiton")
    assert "did you mean 'competitor'" in d.message


def test_unknown_stage_reached_lists_stages(playbook, write_retro):
    text = with_deal("  stage_reached: signed\n")
    d = error(diagnostics(playbook, write_retro, text), "deal.stage_reached")
    assert d.line == line_of(text, "stage_reached: signed")
    assert "prospecting" in d.message and "handoff" in d.message


def test_deal_taxonomy_aliases_resolve(playbook, write_retro):
    text = with_deal("  primary_reason: incumbent\n  stage_reached: procurement\n")
    checked = run(playbook, write_retro, text)
    assert_clean(checked)
    deal = the_retro(checked).deal
    assert (deal.primary_reason, deal.stage_reached) == ("competitor", "negotiation")


# --- lessons: presence -----------------------------------------------------------------------------


NO_LESSONS_MESSAGE = "no lessons: add a '## Lessons' section with '### ' headings"


def test_no_lessons_section_is_an_error(playbook, write_retro):
    text = VALID_RETRO.split("## Lessons")[0]
    d = error(diagnostics(playbook, write_retro, text), "lessons")
    assert d.path == PATH
    assert d.line == line_of(text, "## Summary")  # where the body starts
    assert NO_LESSONS_MESSAGE in d.message


def test_lessons_section_without_lesson_headings_is_an_error_at_the_section(playbook, write_retro):
    text = VALID_RETRO.split("### L1")[0] + "We learned a lot but wrote no lesson headings.\n"
    d = error(diagnostics(playbook, write_retro, text), "lessons")
    assert (d.path, d.line) == (PATH, line_of(text, "## Lessons"))
    assert NO_LESSONS_MESSAGE in d.message


def test_level_three_heading_outside_lessons_section_is_not_a_lesson(playbook, write_retro):
    text = edit("## Lessons\n", "### Not a lesson\n\n- stage: discovery\n\n## Lessons\n")
    checked = run(playbook, write_retro, text)
    assert_clean(checked)
    assert [lesson.id for lesson in the_retro(checked).lessons] == ["l1"]


# --- lessons: attributes ---------------------------------------------------------------------------


def test_lesson_without_stage_is_an_error_at_the_heading(playbook, write_retro):
    text = with_attributes("- roles: sales-engineer\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.stage")
    assert (d.path, d.line) == (PATH, line_of(text, LESSON_HEADING))
    assert "'stage'" in d.message
    assert "prospecting" in d.message and "handoff" in d.message


def test_lesson_without_roles_is_an_error_at_the_heading(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.roles")
    assert (d.path, d.line) == (PATH, line_of(text, LESSON_HEADING))
    assert "'roles'" in d.message
    assert "account-executive" in d.message


def test_lesson_with_empty_stage_is_an_error(playbook, write_retro):
    text = with_attributes("- stage:\n- roles: sales-engineer\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.stage")
    assert d.line == line_of(text, LESSON_HEADING)


def test_lesson_without_any_attribute_reports_both_required_keys(playbook, write_retro):
    text = with_attributes("")
    items = diagnostics(playbook, write_retro, text)
    heading = line_of(text, LESSON_HEADING)
    assert error(items, "lessons.l1.stage").line == heading
    assert error(items, "lessons.l1.roles").line == heading


def test_lesson_with_only_separators_for_roles_is_a_missing_roles_error(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n- roles: ,\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.roles")
    assert (d.path, d.line) == (PATH, line_of(text, LESSON_HEADING))
    assert "'roles'" in d.message


def test_role_is_a_synonym_of_roles(playbook, write_retro):
    checked = run(playbook, write_retro, with_attributes("- stage: evaluation\n- role: SE\n"))
    assert_clean(checked)
    assert the_lesson(checked).roles == ("sales-engineer",)


def test_unknown_lesson_key_is_a_warning_at_the_heading_naming_the_key(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n- roles: sales-engineer\n- owner: Priya\n")
    checked = run(playbook, write_retro, text)
    d = warning(list(checked.diagnostics))
    assert (d.path, d.line) == (PATH, line_of(text, LESSON_HEADING))
    assert d.field is not None and d.field.startswith("lessons.l1")
    assert "'owner'" in d.message
    assert checked.diagnostics.errors == []
    assert len(the_retro(checked).lessons) == 1


def test_misspelt_lesson_key_suggests_the_known_key(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n- roles: sales-engineer\n- objecton: price\n")
    d = warning(diagnostics(playbook, write_retro, text))
    assert "'objecton'" in d.message
    assert "did you mean 'objection'" in d.message


def test_duplicate_lesson_key_is_an_error_at_the_second_line(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n- roles: sales-engineer\n- stage: discovery\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.stage")
    assert (d.path, d.line) == (PATH, line_of(text, "- stage: discovery"))
    assert "twice" in d.message
    assert f"line {line_of(text, '- stage: evaluation')}" in d.message


def test_unknown_stage_is_an_error_at_the_attribute_with_did_you_mean(playbook, write_retro):
    text = with_attributes("- stage: discvoery\n- roles: sales-engineer\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.stage")
    assert (d.path, d.line) == (PATH, line_of(text, "- stage: discvoery"))
    assert "'discvoery'" in d.message
    assert "did you mean 'discovery'" in d.message
    assert "prospecting, qualification, discovery" in d.message


def test_unknown_stage_near_an_alias_suggests_the_alias_slug(playbook, write_retro):
    text = with_attributes("- stage: procurment\n- roles: sales-engineer\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.stage")
    assert "did you mean 'negotiation'" in d.message


def test_unknown_role_in_a_list_is_an_error_with_did_you_mean(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n- roles: AE, sales enginer\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.roles")
    assert (d.path, d.line) == (PATH, line_of(text, "- roles: AE"))
    assert "'sales enginer'" in d.message
    assert "did you mean 'sales-engineer'" in d.message


def test_unknown_objection_is_an_error_with_did_you_mean(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n- roles: SE\n- objection: prize\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.objection")
    assert d.line == line_of(text, "- objection: prize")
    assert "did you mean 'price'" in d.message


def test_several_roles_with_aliases(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n- roles: AE, solutions engineer, exec sponsor\n")
    checked = run(playbook, write_retro, text)
    assert_clean(checked)
    assert the_lesson(checked).roles == ("account-executive", "sales-engineer", "executive-sponsor")


def test_ambiguous_role_in_a_lesson_warns_and_resolves(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n- roles: SA\n")
    checked = run(playbook, write_retro, text)
    d = warning(list(checked.diagnostics), "lessons.l1.roles")
    assert d.line == line_of(text, "- roles: SA")
    assert "ambiguous" in d.message
    assert the_lesson(checked).roles == ("sales-engineer",)


def test_stage_alias_and_name_resolve(playbook, write_retro):
    text = with_attributes("- stage: POC\n- roles: SE\n- surfaced: Negotiation & procurement\n")
    checked = run(playbook, write_retro, text)
    assert_clean(checked)
    lesson = the_lesson(checked)
    assert (lesson.stage, lesson.surfaced) == ("evaluation", "negotiation")


def test_two_objections_in_one_lesson_is_an_error(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n- roles: SE\n- objection: price, timing\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.objection")
    assert (d.path, d.line) == (PATH, line_of(text, "- objection: price, timing"))
    assert "one objection" in d.message


@pytest.mark.parametrize(
    ("written", "result"),
    [
        ("went well", "worked"),
        ("keep", "worked"),
        ("continue", "worked"),
        ("stop", "didnt-work"),
        ("didn't work", "didnt-work"),
        ("start", "missed"),
        ("missing", "missed"),
        ("Missed", "missed"),
    ],
)
def test_result_aliases(playbook, write_retro, written, result):
    checked = run(playbook, write_retro, edit("- result: worked", f"- result: {written}"))
    assert_clean(checked)
    assert the_lesson(checked).result == result


def test_bad_result_lists_the_results(playbook, write_retro):
    text = edit("- result: worked", "- result: meh")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.result")
    assert d.line == line_of(text, "- result: meh")
    for allowed in ("worked", "didnt-work", "missed"):
        assert allowed in d.message
    assert "taxonomy.yml" not in d.message  # results are fixed by the format, not the taxonomy


def test_bad_evidence_lists_the_evidence_values(playbook, write_retro):
    text = edit("- result: worked", "- result: worked\n- evidence: gut feeling")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.evidence")
    assert d.line == line_of(text, "- evidence: gut feeling")
    for allowed in ("buyer-said", "observed", "inferred"):
        assert allowed in d.message
    assert "taxonomy.yml" not in d.message


def test_bad_confidence_lists_high_medium_low(playbook, write_retro):
    text = edit("- result: worked", "- result: worked\n- confidence: sure")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.confidence")
    assert d.line == line_of(text, "- confidence: sure")
    for allowed in ("high", "medium", "low"):
        assert allowed in d.message
    assert "taxonomy.yml" not in d.message


def test_evidence_and_confidence_are_kept(playbook, write_retro):
    text = edit("- result: worked", "- result: worked\n- evidence: Buyer said\n- confidence: HIGH")
    checked = run(playbook, write_retro, text)
    assert_clean(checked)
    lesson = the_lesson(checked)
    assert (lesson.evidence, lesson.confidence) == ("buyer-said", "high")


def test_play_that_is_not_a_slug_is_an_error_with_a_suggestion(playbook, write_retro):
    text = edit("- result: worked", "- result: worked\n- play: Trade POC for Access")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.play")
    assert (d.path, d.line) == (PATH, line_of(text, "- play: Trade POC"))
    assert "did you mean 'trade-poc-for-access'" in d.message


def test_play_slug_is_kept(playbook, write_retro):
    checked = run(playbook, write_retro, edit("- result: worked", "- result: worked\n- play: poc-for-access"))
    assert_clean(checked)
    assert the_lesson(checked).play == "poc-for-access"


# --- lessons: ids and structure ----------------------------------------------------------------------


def test_lesson_id_from_l_prefix(playbook, write_retro):
    text = edit(LESSON_HEADING, "### L2 Write POC success criteria down before kickoff")
    lesson = the_lesson(run(playbook, write_retro, text))
    assert (lesson.id, lesson.title) == ("l2", "Write POC success criteria down before kickoff")


def test_lesson_id_without_prefix_is_the_slug_of_the_title(playbook, write_retro):
    text = edit(LESSON_HEADING, "### Write POC success criteria down, before kickoff!")
    lesson = the_lesson(run(playbook, write_retro, text))
    assert lesson.id == "write-poc-success-criteria-down-before-kickoff"


def test_lesson_errors_use_the_lesson_id_in_the_field(playbook, write_retro):
    text = edit(LESSON_HEADING, "### Ask for the economic buyer")
    text = edit("- stage: evaluation\n", "", text)
    d = error(diagnostics(playbook, write_retro, text), "lessons.ask-for-the-economic-buyer.stage")
    assert d.line == line_of(text, "### Ask for the economic buyer")


SECOND_LESSON = """
### L1 Ask for the economic buyer early

- stage: discovery
- roles: AE
"""


def test_duplicate_lesson_ids_are_an_error_at_the_second_heading(playbook, write_retro):
    text = VALID_RETRO + SECOND_LESSON
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1")
    assert (d.path, d.line) == (PATH, line_of(text, "### L1 Ask for the economic buyer"))
    assert "duplicate lesson id 'l1'" in d.message
    assert f"line {line_of(text, LESSON_HEADING)}" in d.message


def test_two_lessons_are_both_read_in_order(playbook, write_retro):
    text = VALID_RETRO + SECOND_LESSON.replace("### L1", "### L2")
    checked = run(playbook, write_retro, text)
    assert_clean(checked)
    assert [(lesson.id, lesson.stage) for lesson in the_retro(checked).lessons] == [
        ("l1", "evaluation"),
        ("l2", "discovery"),
    ]


def test_heading_inside_a_fenced_code_block_is_not_a_lesson(playbook, write_retro):
    fenced = "\n```markdown\n### L9 Not a lesson\n\n- stage: nowhere\n```\n"
    checked = run(playbook, write_retro, VALID_RETRO + fenced)
    assert_clean(checked)
    lesson = the_lesson(checked)
    assert lesson.id == "l1"
    assert "### L9 Not a lesson" in lesson.prose


def test_tilde_fence_hides_headings_too(playbook, write_retro):
    fenced = "\n~~~\n### L9 Not a lesson\n~~~\n"
    assert the_lesson(run(playbook, write_retro, VALID_RETRO + fenced)).id == "l1"


def test_lesson_line_is_the_heading_line(playbook, write_retro):
    lesson = the_lesson(run(playbook, write_retro, VALID_RETRO))
    assert lesson.line == line_of(VALID_RETRO, LESSON_HEADING)


# --- encoding and line endings ---------------------------------------------------------------------


def test_invalid_utf8_names_the_file_and_line(playbook):
    text = edit("codename: Osprey", "codename: Osprey-XX")
    data = text.encode("utf-8").replace(b"XX", b"\xff\xfe")
    (playbook / "retros" / "x.md").write_bytes(data)
    d = error(list(pipeline.check(playbook).diagnostics))
    assert (d.path, d.line) == (PATH, line_of(text, "codename: Osprey-XX"))
    assert "UTF-8" in d.message


def test_latin1_file_is_reported_not_skipped(playbook):
    (playbook / "retros" / "x.md").write_bytes(VALID_RETRO.replace("Osprey", "Åsprey").encode("latin-1"))
    d = error(list(pipeline.check(playbook).diagnostics))
    assert d.path == PATH
    assert "UTF-8" in d.message


def test_utf8_bom_is_accepted(playbook):
    (playbook / "retros" / "x.md").write_bytes(b"\xef\xbb\xbf" + VALID_RETRO.encode("utf-8"))
    checked = pipeline.check(playbook)
    assert_clean(checked)
    assert the_retro(checked).title == "Won Osprey by writing POC success criteria down"


def test_crlf_line_endings_are_accepted(playbook):
    (playbook / "retros" / "x.md").write_bytes(VALID_RETRO.replace("\n", "\r\n").encode("utf-8"))
    checked = pipeline.check(playbook)
    assert_clean(checked)
    assert the_lesson(checked).stage == "evaluation"


def test_crlf_file_reports_the_right_line(playbook):
    text = edit("- stage: evaluation", "- stage: discvoery")
    (playbook / "retros" / "x.md").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    d = error(list(pipeline.check(playbook).diagnostics), "lessons.l1.stage")
    assert d.line == line_of(text, "- stage: discvoery")


# --- ids -------------------------------------------------------------------------------------------


def test_id_is_the_file_name(playbook, write_retro):
    assert the_retro(run(playbook, write_retro, VALID_RETRO, "2025/osprey-win.md")).id == "osprey-win"


def test_file_name_that_is_not_a_slug_is_slugified(playbook, write_retro):
    checked = run(playbook, write_retro, VALID_RETRO, "2025-03-07 Falcon.md")
    assert_clean(checked)
    assert the_retro(checked).id == "2025-03-07-falcon"


def test_explicit_id_wins_over_the_file_name(playbook, write_retro):
    checked = run(playbook, write_retro, with_top("id: osprey-2025\n"))
    assert_clean(checked)
    assert the_retro(checked).id == "osprey-2025"


def test_explicit_id_that_is_not_a_slug_is_an_error(playbook, write_retro):
    text = with_top("id: Not A Slug\n")
    d = error(diagnostics(playbook, write_retro, text), "id")
    assert (d.path, d.line) == (PATH, line_of(text, "id: Not A Slug"))
    assert "'Not A Slug'" in d.message
    assert "did you mean 'not-a-slug'" in d.message


def test_id_index_is_reserved(playbook, write_retro):
    text = with_top("id: index\n")
    d = error(diagnostics(playbook, write_retro, text), "id")
    assert (d.path, d.line) == (PATH, line_of(text, "id: index"))
    assert "reserved" in d.message


def test_file_named_index_is_reserved(playbook, write_retro):
    d = error(diagnostics(playbook, write_retro, VALID_RETRO, "index.md"), "id")
    assert d.path == "retros/index.md"
    assert "reserved" in d.message


def test_duplicate_ids_across_files_name_both_files(playbook, write_retro):
    write_retro("2024/osprey.md")
    write_retro("2025/osprey.md")
    checked = pipeline.check(playbook)
    d = error(list(checked.diagnostics), "id")
    text = d.format()
    assert "retros/2024/osprey.md" in text and "retros/2025/osprey.md" in text
    assert "duplicate retro id 'osprey'" in d.message


def test_duplicate_explicit_ids_point_at_the_id_line(playbook, write_retro):
    text = with_top("id: shared\n")
    write_retro("a.md", text)
    write_retro("b.md", text)
    d = error(list(pipeline.check(playbook).diagnostics), "id")
    assert "retros/a.md" in d.format() and "retros/b.md" in d.format()
    assert d.line == line_of(text, "id: shared")


def test_explicit_id_clashing_with_a_file_name_is_a_duplicate(playbook, write_retro):
    write_retro("osprey.md")
    write_retro("other.md", with_top("id: osprey\n"))
    d = error(list(pipeline.check(playbook).diagnostics), "id")
    assert "retros/osprey.md" in d.format() and "retros/other.md" in d.format()


# --- which files are retros ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "README.md",
        "readme.md",
        "2025/README.md",
        "_draft.md",
        ".hidden.md",
        "_templates/retro.md",
        ".git/x.md",
    ],
)
def test_non_retro_files_are_skipped(playbook, write_retro, name):
    write_retro("osprey.md")
    write_retro(name, "not a retro: no front matter at all\n")
    checked = pipeline.check(playbook)
    assert_clean(checked)
    assert [r.id for r in checked.playbook.retros] == ["osprey"]


@pytest.mark.parametrize("name", ["notes.markdown", "2025/notes.MD"])
def test_near_miss_extension_is_a_warning_not_silently_skipped(playbook, write_retro, name):
    write_retro("osprey.md")
    write_retro(name)
    checked = pipeline.check(playbook)
    d = warning(list(checked.diagnostics))
    assert d.path == f"retros/{name}"
    assert "'.md'" in d.message
    assert checked.diagnostics.errors == []


def test_retros_in_nested_folders_are_found(playbook, write_retro):
    write_retro("2024/q1/a.md")
    write_retro("b.md")
    assert sorted(r.id for r in pipeline.check(playbook).playbook.retros) == ["a", "b"]


# --- every problem in one run ----------------------------------------------------------------------


def test_three_different_errors_in_one_file_are_all_reported(playbook, write_retro):
    text = edit("date: 2025-03-11", "date: March 3")
    text = edit("outcome: won", "outcome: pending", text)
    text = edit("- stage: evaluation", "- stage: discvoery", text)
    items = diagnostics(playbook, write_retro, text)
    assert {d.field for d in items if d.level is Level.ERROR} == {
        "date",
        "deal.outcome",
        "lessons.l1.stage",
    }, "\n".join(d.format() for d in items)


def test_type_errors_in_several_fields_are_all_reported(playbook, write_retro):
    text = edit("codename: Osprey", "codename: [a, b]")
    text = edit("date: 2025-03-11", "date: March 3", text)
    text = with_deal('  value: "lots"\n', text)
    items = diagnostics(playbook, write_retro, text)
    assert {d.field for d in items if d.level is Level.ERROR} == {"date", "deal.codename", "deal.value"}


def test_errors_in_several_files_are_all_reported(playbook, write_retro):
    write_retro("a.md", edit("outcome: won", "outcome: pending"))
    write_retro("b.md", with_attributes("- stage: evaluation\n"))
    write_retro("c.md")
    checked = pipeline.check(playbook)
    assert sorted((d.path, d.field) for d in checked.diagnostics.errors) == [
        ("retros/a.md", "deal.outcome"),
        ("retros/b.md", "lessons.l1.roles"),
    ]
    assert [r.id for r in checked.playbook.retros] == ["c"]


# --- found in review ------------------------------------------------------------------------------


def test_duplicate_front_matter_key_is_an_error_naming_both_lines(playbook, write_retro):
    text = with_top("date: 2025-03-12\n")
    d = error(diagnostics(playbook, write_retro, text))
    assert (d.path, d.line) == (PATH, line_of(text, "date: 2025-03-12"))
    assert f"duplicate key 'date' (first given on line {line_of(text, 'date: 2025-03-11')})" in d.message


def test_roles_only_separators_is_missing_roles_not_a_crash(playbook, write_retro):
    text = with_attributes("- stage: evaluation\n- roles: , ,\n")
    d = error(diagnostics(playbook, write_retro, text), "lessons.l1.roles")
    assert d.line == line_of(text, "### L1")
    assert "has no 'roles'" in d.message


def test_roles_in_brackets_are_read_as_a_list(playbook, write_retro):
    write_retro("x.md", with_attributes("- stage: evaluation\n- roles: [AE, SE]\n"))
    checked = pipeline.check(playbook)
    assert list(checked.diagnostics) == []
    assert checked.playbook.retros[0].lessons[0].roles == ("account-executive", "sales-engineer")


def test_primary_reason_with_two_values_says_one_only(playbook, write_retro):
    text = with_deal("  primary_reason: price, timing\n")
    d = error(diagnostics(playbook, write_retro, text), "deal.primary_reason")
    assert d.line == line_of(text, "primary_reason")
    assert "one objection only, got 'price, timing'" in d.message


def test_attributes_below_the_prose_are_pointed_out(playbook, write_retro):
    text = with_attributes("Some prose first.\n\n- stage: evaluation\n- roles: sales-engineer\n")
    found = diagnostics(playbook, write_retro, text)
    d = error(found, "lessons.l1.stage")
    assert d.line == line_of(text, "### L1")
    assert f"line {line_of(text, '- stage: evaluation')} is below the prose" in d.message
