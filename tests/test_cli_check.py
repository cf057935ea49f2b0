"""`playbookgen check` as a user runs it: exit codes, the `path:line: level: field: message` lines."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import REPO, VALID_RETRO, copy_skeleton

from playbookgen import __version__
from playbookgen.cli import cli

DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:\s][^:]*?)(?::(?P<line>\d+))?: (?P<level>error|warning): (?P<rest>.*)$"
)


def invoke(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args])


def diagnostic_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if DIAGNOSTIC.match(line)]


def edit(old: str, new: str, text: str = VALID_RETRO) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def line_of(text: str, needle: str) -> int:
    hits = [n for n, line in enumerate(text.split("\n"), start=1) if needle in line]
    assert hits, f"{needle!r} not found"
    return hits[0]


def write(root: Path, name: str, content: str | bytes) -> None:
    path = root / "retros" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)


# --- clean, error, warning ------------------------------------------------------------------------


def test_clean_corpus_exits_0_with_only_a_summary(playbook, write_retro):
    write_retro("osprey.md")
    result = invoke(playbook, "check")
    assert result.exit_code == 0, result.output
    assert diagnostic_lines(result.output) == []
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("checked 1 retro")
    assert "1 lesson" in lines[0]
    assert "error" not in lines[0]


def test_clean_corpus_passes_strict(playbook, write_retro):
    write_retro("osprey.md")
    assert invoke(playbook, "check", "--strict").exit_code == 0


def test_error_exits_1_with_path_line_level_field_message(playbook, write_retro):
    text = edit("outcome: won", "outcome: pending")
    write_retro("x.md", text)
    result = invoke(playbook, "check")
    assert result.exit_code == 1
    line = line_of(text, "outcome: pending")
    lines = diagnostic_lines(result.output)
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"retros/x.md:{line}: error: deal.outcome: unknown outcome 'pending'")
    assert "1 error(s), 0 warning(s) in 1 file" in result.output


def test_every_output_diagnostic_has_the_path_line_form(playbook, write_retro):
    text = edit("outcome: won", "outcome: pending")
    text = edit("- stage: evaluation", "- stage: discvoery", text)
    text = edit("  codename: Osprey\n", "  codename: Osprey\n  outcom: won\n", text)
    write_retro("x.md", text)
    result = invoke(playbook, "check")
    lines = diagnostic_lines(result.output)
    assert len(lines) == 3, result.output
    for line in lines:
        match = DIAGNOSTIC.match(line)
        assert match is not None
        assert match["path"] == "retros/x.md"
        assert match["line"] is not None


def test_diagnostics_are_sorted_by_file_then_line(playbook, write_retro):
    write_retro("b.md", edit("- stage: evaluation", "- stage: discvoery"))
    write_retro("a.md", edit("outcome: won", "outcome: pending", edit("- stage: evaluation", "- stage: x")))
    result = invoke(playbook, "check")
    located = [(m["path"], int(m["line"])) for m in map(DIAGNOSTIC.match, diagnostic_lines(result.output))]
    assert located == sorted(located)
    assert [p for p, _ in located] == ["retros/a.md", "retros/a.md", "retros/b.md"]


def test_summary_counts_files_with_errors(playbook, write_retro):
    write_retro("a.md", edit("outcome: won", "outcome: pending"))
    write_retro("b.md")
    result = invoke(playbook, "check")
    assert result.exit_code == 1
    assert "1 error(s), 0 warning(s) in 1 file" in result.output
    assert "checked 2 retro files" in result.output


def test_warning_only_exits_0(playbook, write_retro):
    write_retro("x.md", edit("  codename: Osprey\n", "  codename: Osprey\n  outcom: won\n"))
    result = invoke(playbook, "check")
    assert result.exit_code == 0, result.output
    assert any(": warning: deal.outcom: " in line for line in diagnostic_lines(result.output))


def test_warning_only_exits_1_under_strict(playbook, write_retro):
    write_retro("x.md", edit("  codename: Osprey\n", "  codename: Osprey\n  outcom: won\n"))
    result = invoke(playbook, "check", "--strict")
    assert result.exit_code == 1
    assert "--strict" in result.output  # the user is told why a warning failed the run


# --- usage, version, help ----------------------------------------------------------------------------


def test_unknown_option_is_a_usage_error(playbook):
    result = invoke(playbook, "check", "--bogus")
    assert result.exit_code == 2
    assert "--bogus" in result.output


def test_unknown_command_is_a_usage_error(playbook):
    result = invoke(playbook, "chek")
    assert result.exit_code == 2


def test_root_that_does_not_exist_is_a_usage_error(tmp_path):
    missing = tmp_path / "nope"
    result = invoke(missing, "check")
    assert result.exit_code == 2
    assert str(missing) in result.output
    assert "not a folder" in result.output


def test_root_that_is_a_file_is_a_usage_error(tmp_path):
    file = tmp_path / "file.txt"
    file.write_text("x", encoding="utf-8")
    assert invoke(file, "check").exit_code == 2


def test_version():
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert "playbookgen" in result.output
    assert __version__ in result.output


@pytest.mark.parametrize("command", [[], ["check"], ["generate"], ["build"]])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_on_every_command(command, flag):
    result = CliRunner().invoke(cli, [*command, flag])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")
    if command:
        assert "--strict" in result.output


def test_main_help_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    for command in ("check", "generate", "build"):
        assert re.search(rf"^\s+{command}\s", result.output, re.M), result.output


def test_python_dash_m_version():
    proc = subprocess.run(
        [sys.executable, "-m", "playbookgen", "--version"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert __version__ in proc.stdout


def test_python_dash_m_check_exit_code_is_1_on_error(playbook, write_retro):
    write_retro("x.md", edit("outcome: won", "outcome: pending"))
    proc = subprocess.run(
        [sys.executable, "-m", "playbookgen", "-C", str(playbook), "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "retros/x.md:6: error: deal.outcome: " in proc.stdout + proc.stderr


def test_python_dash_m_exits_fast_with_the_right_code_and_all_output(playbook, write_retro):
    """main() leaves with os._exit (no heap teardown): codes and every line of output must survive it."""
    run = [sys.executable, "-m", "playbookgen", "-C", str(playbook)]
    usage = subprocess.run([*run, "no-such-command"], capture_output=True, text=True, check=False)
    assert usage.returncode == 2 and "No such command 'no-such-command'" in usage.stderr
    for n in range(40):
        write_retro(f"2025/r{n}.md", VALID_RETRO.replace("codename: Osprey", f"codename: Osprey {n}"))
    export = subprocess.run([*run, "export", "--format", "json"], capture_output=True, text=True, check=False)
    assert export.returncode == 0, export.stderr
    assert len(json.loads(export.stdout)["lessons"]) == 40  # the whole document, flushed


# --- the shipped sample corpus ---------------------------------------------------------------------


def test_sample_corpus_passes_check_strict(tmp_path):
    root = copy_skeleton(tmp_path / "sample", with_retros=True)
    result = invoke(root, "check", "--strict")
    assert result.exit_code == 0, result.output
    assert diagnostic_lines(result.output) == []


def test_repository_root_passes_check_strict():
    result = invoke(REPO, "check", "--strict")
    assert result.exit_code == 0, result.output


# --- "Done when": each broken file fails check naming the file and the field --------------------------


def _closed_before_opened() -> str:
    return edit("  outcome: won\n", "  outcome: won\n  opened: 2025-03-01\n  closed: 2025-02-01\n")


BROKEN = {
    "no-front-matter": (VALID_RETRO.split("---\n", 2)[2].lstrip("\n"), None, "## Summary", "no front matter"),
    "bad-yaml": (edit("  outcome: won", "   outcome: won"), None, "   outcome: won", "invalid YAML"),
    "unknown-stage": (
        edit("- stage: evaluation", "- stage: discvoery"),
        "lessons.l1.stage",
        "- stage: discvoery",
        "did you mean 'discovery'",
    ),
    "bad-outcome": (edit("outcome: won", "outcome: pending"), "deal.outcome", "outcome: pending", "won"),
    "bad-date": (edit("date: 2025-03-11", "date: March 3"), "date", "date: March 3", "YYYY-MM-DD"),
    "wrong-type": (
        edit("codename: Osprey", "codename: [a, b]"),
        "deal.codename",
        "codename: [a, b]",
        "expected text",
    ),
    "closed-before-opened": (_closed_before_opened(), "deal.closed", "closed: 2025-02-01", "before"),
    "no-lessons": (VALID_RETRO.split("## Lessons")[0], "lessons", "## Summary", "no lessons"),
    "lesson-without-stage": (
        edit("- stage: evaluation\n", ""),
        "lessons.l1.stage",
        "### L1 ",
        "'stage'",
    ),
    "bad-id": (
        edit("date: 2025-03-11\n", "date: 2025-03-11\nid: Not A Slug\n"),
        "id",
        "id: Not A Slug",
        "did you mean 'not-a-slug'",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_file_fails_check_naming_file_line_and_field(playbook, case):
    text, field, needle, phrase = BROKEN[case]
    write(playbook, "bad.md", text)
    write(playbook, "good.md", VALID_RETRO)
    result = invoke(playbook, "check")
    assert result.exit_code == 1, result.output
    line = line_of(text, needle)
    prefix = f"retros/bad.md:{line}: error: " + (f"{field}: " if field else "")
    hits = [x for x in diagnostic_lines(result.output) if x.startswith(prefix)]
    assert len(hits) == 1, result.output
    assert phrase in hits[0]
    assert "retros/good.md" not in result.output


def test_invalid_utf8_fails_check_naming_file_and_line(playbook):
    data = VALID_RETRO.encode("utf-8").replace(b"Osprey\n", b"Osprey \xff\n", 1)
    write(playbook, "bad.md", data)
    result = invoke(playbook, "check")
    assert result.exit_code == 1
    assert any(
        line.startswith(f"retros/bad.md:{line_of(VALID_RETRO, 'codename: Osprey')}: error: ")
        and "UTF-8" in line
        for line in diagnostic_lines(result.output)
    ), result.output


def test_duplicate_ids_fail_check_naming_both_files(playbook):
    write(playbook, "2024/osprey.md", VALID_RETRO)
    write(playbook, "2025/osprey.md", VALID_RETRO)
    result = invoke(playbook, "check")
    assert result.exit_code == 1
    hits = [line for line in diagnostic_lines(result.output) if "duplicate" in line]
    assert len(hits) == 1, result.output
    assert ": error: id: " in hits[0]
    assert "retros/2024/osprey.md" in hits[0] and "retros/2025/osprey.md" in hits[0]


# --- warnings pass, but not under --strict --------------------------------------------------------


WARNINGS = {
    "unknown-deal-key": (
        edit("  codename: Osprey\n", "  codename: Osprey\n  outcom: won\n"),
        "deal.outcom",
        "did you mean 'outcome'",
    ),
    "unknown-top-level-key": (
        edit("date: 2025-03-11\n", "date: 2025-03-11\ntgas: [poc]\n"),
        "tgas",
        "did you mean 'tags'",
    ),
    "ambiguous-alias-in-lesson": (
        edit("- roles: sales-engineer", "- roles: SA"),
        "lessons.l1.roles",
        "ambiguous",
    ),
    "ambiguous-alias-in-team": (
        edit("date: 2025-03-11\n", "date: 2025-03-11\nteam:\n  - {name: Sam, role: SA}\n"),
        "team[0].role",
        "ambiguous",
    ),
    "unknown-lesson-key": (
        edit("- result: worked", "- result: worked\n- owner: Priya"),
        None,
        "'owner'",
    ),
}


@pytest.mark.parametrize("case", sorted(WARNINGS))
def test_warning_case_passes_check(playbook, case):
    text, field, phrase = WARNINGS[case]
    write(playbook, "x.md", text)
    result = invoke(playbook, "check")
    assert result.exit_code == 0, result.output
    lines = diagnostic_lines(result.output)
    assert len(lines) == 1, result.output
    assert lines[0].startswith("retros/x.md:")
    assert f": warning: {field}: " in lines[0] if field else ": warning: " in lines[0]
    assert phrase in lines[0]


@pytest.mark.parametrize("case", sorted(WARNINGS))
def test_warning_case_fails_check_strict(playbook, case):
    write(playbook, "x.md", WARNINGS[case][0])
    result = invoke(playbook, "check", "--strict")
    assert result.exit_code == 1, result.output
    assert any(": warning: " in line for line in diagnostic_lines(result.output))


def test_near_miss_extension_warns_and_fails_strict(playbook):
    write(playbook, "osprey.md", VALID_RETRO)
    write(playbook, "notes.markdown", VALID_RETRO)
    result = invoke(playbook, "check")
    assert result.exit_code == 0
    assert any(
        line.startswith("retros/notes.markdown: warning: ") for line in diagnostic_lines(result.output)
    ), result.output
    assert invoke(playbook, "check", "--strict").exit_code == 1


def test_skipped_files_do_not_affect_check(playbook):
    write(playbook, "osprey.md", VALID_RETRO)
    for name in ("README.md", "_draft.md", ".hidden.md", "_templates/retro.md"):
        write(playbook, name, "no front matter here\n")
    result = invoke(playbook, "check", "--strict")
    assert result.exit_code == 0, result.output
    assert diagnostic_lines(result.output) == []


def _run(root: Path, *args: str, close_stderr: bool = False, **env: str) -> subprocess.CompletedProcess[bytes]:
    import os

    command = [sys.executable, "-m", "playbookgen", "-C", str(root), *args]
    return subprocess.run(
        command,
        capture_output=not close_stderr,
        stdout=subprocess.PIPE if close_stderr else None,
        cwd=root.parent,
        env={**os.environ, **env},
        preexec_fn=(lambda: os.close(2)) if close_stderr else None,
    )


def _with_key(tmp_path: Path, key: str) -> Path:
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    retro = root / "retros/2023/2023-11-09-wren.md"
    retro.write_text(retro.read_text(encoding="utf-8").replace("---\n", f"---\n{key}: x\n", 1), encoding="utf-8")
    return root


def test_json_on_stdout_stays_json_when_stderr_is_closed(tmp_path):
    root = _with_key(tmp_path, "colour")
    result = _run(root, "check", "--format", "json", close_stderr=True)
    assert result.returncode == 0
    document = json.loads(result.stdout)  # the summary line belongs on stderr, which is closed: not here
    assert [d["field"] for d in document["diagnostics"]] == ["colour"]


def test_a_c_locale_gets_utf_8_not_a_traceback(tmp_path):
    root = _with_key(tmp_path, "größe")
    result = _run(root, "check", "--format", "github", PYTHONIOENCODING="ascii")
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    assert "größe".encode() in result.stdout and b"Traceback" not in result.stderr


def test_escape_codes_in_a_key_reach_no_terminal(tmp_path):
    root = _with_key(tmp_path, '"\\e[2J\\e[31mred"')
    result = _run(root, "check")
    assert result.returncode == 0
    assert b"\x1b" not in result.stderr and b"\\x1b[2J\\x1b[31mred" in result.stderr


def test_json_stays_json_whatever_a_path_holds(tmp_path):
    """DEL and C1 characters pass json.dumps raw; written as \\x7f they made the output invalid JSON."""
    odd = tmp_path / "x\x7f\x9b"
    odd.mkdir()
    result = _run(odd, "check", "--format", "json")
    assert result.returncode == 1
    [problem] = json.loads(result.stdout)["diagnostics"]
    assert str(odd) in problem["message"] and "does not look like a playbook root" in problem["message"]


def test_an_undecodable_file_name_in_a_c_locale_is_no_traceback(tmp_path):
    import os

    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    outside = os.fsencode(tmp_path) + b"/ev\xffil.md"
    with open(outside, "w", encoding="utf-8") as handle:
        handle.write(VALID_RETRO)
    os.symlink(outside, os.fsencode(root / "retros") + b"/link.md")
    result = _run(root, "check", LC_ALL="C", PYTHONUTF8="0", PYTHONIOENCODING="")
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    assert b"retros/link.md" in result.stderr and b"outside the playbook root" in result.stderr
