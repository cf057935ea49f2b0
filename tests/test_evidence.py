"""From notes to evidence: plays, win rates with n, competitors, freshness, who to ask, exports, actions, feed."""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from playbookgen.cli import cli
from tests.conftest import copy_skeleton

TODAY_EPOCH = "1795651200"  # 2026-11-26 00:00 UTC


def retro(name: str, title: str, day: str, outcome: str, lessons: str, *, segment: str = "enterprise",
          team: str = "", competitors: str = "", visibility: str = "internal", extra: str = "") -> tuple[str, str]:
    text = f"""\
---
title: "{title}"
date: {day}
visibility: {visibility}
deal:
  codename: {name.capitalize()}
  account: {name.capitalize()} Holdings
  outcome: {outcome}
  segment: {segment}
  value: 200000
{competitors}team: [{team}]
---

## Lessons

{textwrap.dedent(lessons)}
{extra}"""
    return f"retros/{name}.md", text


def lesson(number: int, title: str, stage: str, roles: str, **attributes: str) -> str:
    lines = [f"### L{number} {title}", "", f"- stage: {stage}", f"- roles: {roles}"]
    lines += [f"- {key.replace('_', '-')}: {value}" for key, value in attributes.items()]
    return "\n".join(lines) + f"\n\nWhat happened on {title.lower()}.\n\n"


CORPUS = [
    retro("rook", "Won Rook with a close plan", "2026-06-01", "won",
          lesson(1, "Agree a mutual close plan", "closing", "AE", play="mutual-close-plan", result="worked",
                 objection="timing", evidence="buyer-said")
          + lesson(2, "Benchmark against the incumbent", "evaluation", "SE", objection="competitor", result="worked"),
          team="{name: Ana Lima, role: AE}, {name: Bo Chen, role: SE}",
          competitors="  competitors: [{name: Lumaroute, result: lost}]\n"),
    retro("pawn", "Won Pawn after meeting the CFO", "2026-03-01", "won",
          lesson(1, "Write the close plan with the champion", "closing", "AE", play="mutual-close-plan",
                 result="worked", evidence="observed")
          + lesson(2, "Meet the economic buyer first", "discovery", "AE", play="eb-access", result="worked"),
          team="{name: Ana Lima, role: AE}", competitors="  competitors: [Lumaroute]\n"),
    retro("king", "Lost King to Lumaroute", "2025-12-01", "lost",
          lesson(1, "Agree the close plan before procurement", "closing", "AE", play="mutual-close-plan",
                 result="missed")
          + lesson(2, "Do not skip the economic buyer", "discovery", "AE", play="eb-access", result="didnt-work"),
          competitors="  competitors: [{name: Lumaroute, result: won}]\n"),
    retro("bishop", "Lost Bishop long ago", "2023-01-10", "lost",
          lesson(1, "Find the economic buyer in week one", "discovery", "AE", play="eb-access", result="worked"),
          segment="mid-market"),
    retro("knight", "Knight stalled", "2025-06-01", "no-decision",
          lesson(1, "Use the old discount ladder", "proposal", "deal desk", play="old-ladder", result="worked",
                 expires="2025-12-31"),
          segment="mid-market"),
    retro("queen", "Won Queen", "2026-09-01", "won",
          lesson(1, "Quote the legacy bundle", "proposal", "deal desk", play="legacy-bundle", result="worked",
                 superseded_by="mutual-close-plan"),
          segment="smb", visibility="public"),
    retro("castle", "Castle is open", "2026-10-01", "open",
          lesson(1, "Keep the champion briefed", "negotiation", "AE", result="worked"),
          extra="## Actions\n\n- [ ] Ana Lima: send the close plan (due 2026-01-01)\n"
                "- [ ] Bo Chen: call procurement (due 2027-01-01)\n- [ ] tidy the notes\n"
                "- [x] Ana Lima: thank the champion\n"),
]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_skeleton(tmp_path_factory.mktemp("evidence") / "playbook")
    for path, text in CORPUS:
        (root / path).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def docs(root: Path) -> Path:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
        result = CliRunner().invoke(cli, ["-C", str(root), "build", "--audience", "team"])
    assert result.exit_code == 0, result.output
    return root / "build/docs"


def _copy(root: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(root, tmp_path / "copy", ignore=shutil.ignore_patterns("build", "site")))


def page(docs: Path, path: str) -> str:
    return (docs / path).read_text(encoding="utf-8")


def test_play_page_counts_deals_by_result_and_outcome(docs):
    text = page(docs, "plays/mutual-close-plan.md")
    assert "**Evidence:** worked in 2 won; missed in 1 lost (counts of deals with a retro)." in text
    assert text.startswith('---\ntitle: "Agree a mutual close plan"\n')  # the best lesson's title
    assert "[Closing](../stages/closing.md)" in text and "[Timing / urgency](../objections/timing.md)" in text
    for source in ["rook.md#l1", "pawn.md#l1", "king.md#l1"]:
        assert f"(../retros/{source})" in text


def test_plays_rank_by_worked_in_won_deals_then_evidence(docs):
    text = page(docs, "plays/index.md")
    order = [text.index(f"({play}.md)") for play in ["mutual-close-plan", "eb-access", "legacy-bundle", "old-ladder"]]
    assert order == sorted(order)
    assert "| [Agree a mutual close plan](mutual-close-plan.md) | 2 |" in text
    assert "## How plays are ranked" in text


def test_freshness_marks_stale_and_retired_lessons(docs):
    eb = page(docs, "plays/eb-access.md")
    assert "[Bishop](../retros/bishop.md) (lost, 2023-01-10) · stale: 46 months old" in eb
    assert eb.index("Meet the economic buyer first") < eb.index("Find the economic buyer in week one")
    assert "· retired on 2025-12-31" in page(docs, "plays/old-ladder.md")
    assert "retired: superseded by [mutual-close-plan](mutual-close-plan.md)" in page(docs, "plays/legacy-bundle.md")


def test_check_warns_when_a_plays_best_title_is_retired(root, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    result = CliRunner().invoke(cli, ["-C", str(root), "check", "--format", "json"])
    warnings = [d for d in json.loads(result.stdout)["diagnostics"] if d["rule"] == "expired-play-title"]
    texts = dict(CORPUS)
    heading = {path: texts[path].split("\n").index(next(line for line in texts[path].split("\n") if line.startswith("### L1"))) + 1
               for path in ("retros/knight.md", "retros/queen.md")}
    assert {(d["path"], d["line"]) for d in warnings} == set(heading.items())
    assert all(d["code"] == "PB313" for d in warnings)


def test_win_rate_needs_five_closed_deals_and_shows_n(docs):
    insights = page(docs, "insights.md")
    assert "**3** won · **2** lost · **1** no decision · **1** open — 50% won (n=6 closed), among deals with a retro" in insights
    lumaroute = page(docs, "competitors/lumaroute.md")
    assert "win rate hidden: n=3 closed, fewer than 5" in lumaroute


def test_where_deals_were_lost_and_charts(docs):
    insights = page(docs, "insights.md")
    assert '<svg class="pb-chart" role="img" aria-labelledby="outcomes-by-stage-title outcomes-by-stage-desc"' in insights
    assert "| enterprise | 2 | 3 | hidden (n < 5) |" in insights  # the table fallback of the segment chart
    assert '??? info "Objections by quarter: the numbers"' in insights


def test_competitor_pages_give_head_to_head_records(docs):
    index = page(docs, "competitors/index.md")
    assert "| [Lumaroute](lumaroute.md) | 3 | 2 | 1 | 1 | 0 | 0 |" in index
    detail = page(docs, "competitors/lumaroute.md")
    assert "[Benchmark against the incumbent](../retros/rook.md#l2)" in detail
    assert "- Bo Chen (Sales Engineer): 1 won deal" in detail  # who to ask


def test_open_actions_by_owner_overdue_first(docs):
    text = page(docs, "actions.md")
    assert "3 open\n(1 overdue), 1 done." in text
    ana, bo, nobody = text.index("## Ana Lima"), text.index("## Bo Chen"), text.index("## No owner named")
    assert ana < bo < nobody
    assert "- **overdue** · send the close plan · due 2026-01-01 · [Castle](retros/castle.md)" in text
    assert "thank the champion" not in text


def test_exports_have_one_row_per_published_lesson_without_redacted_values(root, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    result = CliRunner().invoke(cli, ["-C", str(root), "export", "--audience", "internal"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == sum(text.count("\n### L") for _, text in CORPUS)
    assert {row["account"] for row in rows} == {""} and {row["value"] for row in rows} == {""}
    assert {row["value_band"] for row in rows} == {"100k–250k EUR"}
    public = CliRunner().invoke(cli, ["-C", str(root), "export", "--format", "json", "--audience", "public"])
    data = json.loads(public.stdout)
    assert data["version"] == 1 and data["audience"] == "public"
    assert [row["retro_id"] for row in data["lessons"]] == ["queen"]
    assert public.stdout.splitlines()[1].startswith('{"retro_id": "queen"')  # one lesson per line: diffable
    assert "Holdings" not in public.stdout


def test_export_to_a_file_never_overwrites(root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["-C", str(root), "export", "--output", "lessons.csv"]).exit_code == 0
    assert (tmp_path / "lessons.csv").read_text(encoding="utf-8").startswith("retro_id,retro_title,")
    again = CliRunner().invoke(cli, ["-C", str(root), "export", "--output", "lessons.csv"])
    assert again.exit_code == 1 and "refusing to overwrite" in again.stderr


def test_feed_is_valid_atom_with_one_entry_per_retro(docs):
    tree = ElementTree.fromstring((docs / "feed.xml").read_bytes())
    atom = "{http://www.w3.org/2005/Atom}"
    assert tree.tag == f"{atom}feed"
    for required in ["id", "title", "updated", "author"]:
        assert tree.find(f"{atom}{required}") is not None, required
    entries = tree.findall(f"{atom}entry")
    assert len(entries) == len(CORPUS)
    for entry in entries:
        for required in ["id", "title", "updated", "link", "summary"]:
            assert entry.find(f"{atom}{required}") is not None, required
    assert entries[0].find(f"{atom}title").text == "Castle is open"  # newest first
    assert entries[0].find(f"{atom}updated").text == "2026-10-01T00:00:00Z"


def test_internal_feed_and_exports_are_audience_aware(root, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    root = _copy(root, tmp_path)  # other tests read the team edition in the shared root's build/docs
    site = tmp_path / "site"
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--audience", "public", "--site-dir", str(site)])
    assert result.exit_code == 0, result.output
    feed = (site / "feed.xml").read_text(encoding="utf-8")
    assert "Won Queen" in feed and "Rook" not in feed
    assert "Ana Lima" not in (site / "actions/index.html").read_text(encoding="utf-8")
    assert "queen" in (site / "exports/lessons.csv").read_text(encoding="utf-8")


def test_stage_and_objection_pages_rank_plays_and_list_ungrouped_lessons(docs):
    closing = page(docs, "stages/closing.md")
    plays = closing[closing.index("## Plays ranked by evidence"):closing.index("**Deals with lessons at this stage:**")]
    assert "[Agree a mutual close plan](../plays/mutual-close-plan.md) | 2 |" in plays
    discovery = page(docs, "stages/discovery.md")
    assert "[Meet the economic buyer first](../plays/eb-access.md)" in discovery
    competitor = page(docs, "objections/competitor.md")
    assert "**Not yet grouped**" in competitor and "[Benchmark against the incumbent](../retros/rook.md#l2)" in competitor
    timing = page(docs, "objections/timing.md")
    assert "**Deals with lessons on this objection:** **1** won" in timing
    assert "- Ana Lima (Account Executive): 1 won deal" in timing


def test_lesson_cards_show_age_and_freshness(docs):
    discovery = page(docs, "stages/discovery.md")
    bishop = discovery[discovery.index("(../retros/bishop.md#l1)"):]
    assert 'class="pb-badge pb-fresh--stale"' in bishop[: bishop.index("Deal:")]
    assert "2023-01-10 · 46 months ago" in bishop
    proposal = page(docs, "stages/proposal.md")
    assert "pb-fresh--retired" in proposal


def test_public_edition_hides_who_to_ask(root, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY_EPOCH)
    root = _copy(root, tmp_path)
    result = CliRunner().invoke(cli, ["-C", str(root), "generate", "--audience", "public"])
    assert result.exit_code == 0, result.output
    proposal = (root / "build/docs/stages/proposal.md").read_text(encoding="utf-8")
    assert "People are not named in this edition." in proposal
