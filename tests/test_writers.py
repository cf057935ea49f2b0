"""Writers' tools: `new` scaffolds, placeholders, `eject`, and check output for machines."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from playbookgen.cli import cli
from playbookgen.codes import CODES
from playbookgen.layout import DEFAULTS
from tests.conftest import REPO

FLAGS = ["--no-input", "--title", "Lost Falcon to Lumaroute", "--codename", "Falcon", "--outcome", "loss",
         "--date", "2025-03-11", "--member", "Priya Raman=AE", "--member", "Tomás Ferreira=solutions engineer"]
FALCON = "retros/2025/2025-03-11-falcon.md"


def run(root: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(cli, ["-C", str(root), *args], input=input)


def fill_in(text: str) -> str:
    """What a writer does with the scaffold: replace every placeholder line."""
    attributes = "- stage: discovery\n- roles: AE, SE\n- objection: authority\n- result: missed\n"
    text = re.sub(r"### L1 TODO.*", "### L1 Trade the POC for access to the economic buyer", text)
    text = re.sub(r"(- stage: TODO.*\n)(- [a-z]+: TODO.*\n)+", attributes, text)
    text = re.sub(r"- \[ \] TODO.*", "- [ ] Priya: book the CFO meeting (due 2025-04-01)", text)
    return re.sub(r"TODO:?", "", text)


def test_new_with_flags_creates_the_retro_and_says_what_next(playbook):
    result = run(playbook, "new", *FLAGS)
    assert result.exit_code == 0, result.output
    assert f"created {FALCON}" in result.output and "playbookgen check" in result.output
    text = (playbook / FALCON).read_text(encoding="utf-8")
    assert text.startswith('---\ntitle: "Lost Falcon to Lumaroute"\ndate: 2025-03-11\n')
    assert "  outcome: lost" in text
    assert '{name: "Priya Raman", role: account-executive}' in text
    assert '{name: "Tomás Ferreira", role: sales-engineer}' in text
    assert "## Start / Stop / Continue" in text and "### L1 TODO" in text


def test_new_refuses_to_overwrite(playbook):
    assert run(playbook, "new", *FLAGS).exit_code == 0
    (playbook / FALCON).write_text("my notes", encoding="utf-8")
    result = run(playbook, "new", *FLAGS)
    assert result.exit_code == 1
    assert "refusing to overwrite" in result.stderr and FALCON in result.stderr
    assert (playbook / FALCON).read_text(encoding="utf-8") == "my notes"


def test_untouched_scaffold_fails_check_and_a_filled_one_builds(playbook):
    run(playbook, "new", *FLAGS)
    result = run(playbook, "check")
    assert result.exit_code == 1
    assert re.search(rf"^{FALCON}:\d+: error: unfinished retro: replace the placeholder", result.stderr, re.M)
    assert result.stderr.count("error:") == 1  # one clear error, not a wall of follow-on errors
    path = playbook / FALCON
    path.write_text(fill_in(path.read_text(encoding="utf-8")), encoding="utf-8")
    assert run(playbook, "check", "--strict").exit_code == 0
    built = run(playbook, "build", "--audience", "team")
    assert built.exit_code == 0, built.output
    assert "Trade the POC for access" in (playbook / "site/stages/discovery/index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("retro_format", "headings"),
    [
        ("start-stop-continue", ["## Start / Stop / Continue", "### Start", "### Stop", "### Continue"]),
        ("4ls", ["### Liked", "### Learned", "### Lacked", "### Longed for"]),
        ("sailboat", ["### Wind", "### Anchors", "### Rocks", "### Island"]),
        ("mad-sad-glad", ["### Mad", "### Sad", "### Glad"]),
        ("freeform", ["## Notes"]),
    ],
)
def test_body_follows_the_retro_format(playbook, retro_format, headings):
    assert run(playbook, "new", *FLAGS, "--format", retro_format).exit_code == 0
    text = (playbook / FALCON).read_text(encoding="utf-8")
    for heading in headings:
        assert f"\n{heading}\n" in text
    assert f"  format: {retro_format}" in text
    assert text.index(headings[0]) < text.index("## Lessons")


def test_new_asks_for_what_the_flags_leave_out(playbook):
    answers = "\n".join(["Won Osprey with a written plan", "Osprey", "won", "2024-05-02", "4ls", "public",
                         "Ana Lima", "CSM", "Bo Chen", "nonsense-role", "SDR", ""]) + "\n"
    result = run(playbook, "new", input=answers)
    assert result.exit_code == 0, result.output
    assert "unknown role 'nonsense-role'" in result.output  # asked again, with the allowed roles
    text = (playbook / "retros/2024/2024-05-02-osprey.md").read_text(encoding="utf-8")
    assert "visibility: public" in text and "  format: 4ls" in text
    assert '{name: "Ana Lima", role: customer-success}' in text
    assert '{name: "Bo Chen", role: business-development}' in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--no-input", "--title", "x"], "--no-input needs --codename, --outcome"),
        ([*FLAGS[:5], "--outcome", "sideways"], "unknown outcome 'sideways'"),
        ([*FLAGS, "--member", "Nobody"], "write NAME=ROLE"),
        ([*FLAGS, "--date", "March 3"], "March 3"),
    ],
)
def test_new_usage_errors_exit_2(playbook, args, message):
    result = run(playbook, "new", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (playbook / "retros/2025").exists()


def test_eject_copies_packaged_defaults_and_never_overwrites(playbook):
    result = run(playbook, "eject", "taxonomy")
    assert result.exit_code == 0 and "created site_config/taxonomy.yml" in result.output
    assert (playbook / "site_config/taxonomy.yml").read_bytes() == (DEFAULTS / "taxonomy.yml").read_bytes()
    assert run(playbook, "eject", "taxonomy").exit_code == 1
    result = run(playbook, "eject", "templates", "stage.md.j2")
    assert result.exit_code == 0 and (playbook / "templates/stage.md.j2").is_file()
    assert not (playbook / "templates/role.md.j2").exists()
    result = run(playbook, "eject", "templates", "nope.md.j2")
    assert result.exit_code == 1 and "no packaged template named nope.md.j2" in result.stderr


def test_check_format_github_annotates_file_and_line(playbook, write_retro):
    from tests.conftest import VALID_RETRO

    write_retro("x.md", VALID_RETRO.replace("- stage: evaluation", "- stage: discvoery"))
    result = run(playbook, "check", "--format", "github")
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if line.startswith("::error"))
    assert line.startswith("::error file=retros/x.md,line=17,title=PB201 unknown-stage::lessons.l1.stage: ")
    assert "did you mean 'discovery'?" in line


def test_check_format_json_is_a_versioned_list(playbook, write_retro):
    from tests.conftest import VALID_RETRO

    write_retro("x.md", VALID_RETRO.replace("outcome: won", "outcome: won\n  outcom: x"))
    result = run(playbook, "check", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["version"] == 1
    assert data["diagnostics"] == [{
        "path": "retros/x.md", "line": 7, "level": "warning", "code": "PB103", "rule": "unknown-key",
        "field": "deal.outcom",
        "message": data["diagnostics"][0]["message"],
    }]
    assert "did you mean 'outcome'?" in data["diagnostics"][0]["message"]


def test_every_rule_the_code_emits_has_a_stable_code():
    """Rule names are the last argument of Diagnostics.error/warning calls (or f-strings over labels)."""
    emitted = set()
    for path in (REPO / "playbookgen").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            call = isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {"error", "warning"}
            if call and len(node.args) >= 5 and isinstance(node.args[4], ast.Constant):
                emitted.add(node.args[4].value)
    labels = ["stage", "role", "objection", "result", "evidence", "confidence", "outcome", "visibility",
              "retro-format", "competitor-result"]
    emitted |= {f"unknown-{label}" for label in labels} | {"missing-field", "wrong-type"}
    assert emitted - set(CODES) == set()
    assert len({code for code, _ in CODES.values()}) == len(CODES)  # no code is used twice


def test_readme_documents_every_code():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [f"{code} {rule}" for rule, (code, _) in CODES.items() if f"| {code} | `{rule}` |" not in readme]
    assert missing == []


def test_schema_command_prints_the_playbooks_own_taxonomy(playbook):
    result = run(playbook, "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "pilot-review" not in result.stdout
    run(playbook, "eject", "taxonomy")
    taxonomy = playbook / "site_config/taxonomy.yml"
    text = taxonomy.read_text(encoding="utf-8").replace(
        "  - slug: handoff", "  - slug: pilot-review\n    name: Pilot review\n    aliases: []\n  - slug: handoff", 1)
    taxonomy.write_text(text, encoding="utf-8")
    assert "pilot-review" in run(playbook, "schema").stdout
