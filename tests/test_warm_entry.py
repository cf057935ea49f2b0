"""The console entry point answers a warm `generate` before click is imported, exactly as click would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from playbookgen.cli import cli
from playbookgen.entry import generate_if_unchanged
from tests.conftest import copy_skeleton


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    assert CliRunner().invoke(cli, ["-C", str(root), "generate"]).exit_code == 0
    return root


def _click(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def _entry(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int | None, str, str]:
    code = generate_if_unchanged(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_warm_generate_is_answered_without_click_and_says_what_click_says(generated, capsys):
    code, out, err = _entry(capsys, "-C", str(generated), "generate")
    assert (code, out, err) == _click(generated, "generate")
    assert code == 0 and err.startswith("up to date: no input changed since the last run; ")
    assert " in build/docs: 0 written, " in err
    assert _entry(capsys, f"--root={generated}", "generate") == (code, out, err)
    assert _entry(capsys, "--root", str(generated), "generate", "--strict") == (code, out, err)


def test_warnings_are_reported_again_and_fail_under_strict(generated, capsys):
    retro = generated / "retros/2023/2023-11-09-wren.md"
    retro.write_text(retro.read_text(encoding="utf-8").replace("---\n", "---\ncolour: blue\n", 1), encoding="utf-8")
    assert _click(generated, "generate")[0] == 0  # the cold run caches its warning
    for options in ([], ["--strict"]):
        code, out, err = _entry(capsys, "-C", str(generated), "generate", *options)
        assert (code, out, err) == _click(generated, "generate", *options)
        assert "colour" in err and "1 warning(s) in 1 file" in err
    assert code == 1 and "(--strict: warnings fail)" in err and "nothing published" in err


def test_each_audience_has_its_own_cache(generated, capsys):
    assert _entry(capsys, "-C", str(generated), "generate", "--audience", "team")[0] is None  # never built
    assert _click(generated, "generate", "--audience=team")[0] == 0
    code, _, err = _entry(capsys, "-C", str(generated), "generate", "--audience=team")
    assert code == 0 and "files for the team audience" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["generate", "--help"],
        ["generate", "--audience", "everyone"],  # click names the allowed values
        ["generate", "--audience"],
        ["generate", "--audience="],  # empty: click refuses it, and it must not read as the default
        ["generate", "--audience", ""],
        ["generate", "--strict", "--strict"],
        ["generate", "--keep-going"],
        ["generate", "extra"],
        ["check"],
        ["build"],
        ["--version"],
        [],
    ],
)
def test_anything_but_a_plain_generate_goes_to_click(generated, capsys, argv):
    assert _entry(capsys, "-C", str(generated), *argv) == (None, "", "")


def test_a_changed_input_or_a_missing_root_goes_to_click(generated, capsys, tmp_path):
    assert _entry(capsys, "-C", str(tmp_path / "missing"), "generate") == (None, "", "")
    retro = generated / "retros/2023/2023-11-09-wren.md"
    retro.write_text(retro.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    assert _entry(capsys, "-C", str(generated), "generate") == (None, "", "")


def test_the_installed_command_reaches_click_for_what_it_does_not_answer(generated):
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-X", "importtime", "-m", "playbookgen", "-C", str(generated), *args]
        return subprocess.run(command, capture_output=True, text=True, cwd=generated.parent)

    warm = run("generate")
    assert warm.returncode == 0 and "up to date" in warm.stderr, warm.stderr[-2000:]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in warm.stderr.splitlines() if line.startswith("import time:")}
    assert "playbookgen.buildcache" in loaded
    assert [name for name in ("click", "playbookgen.cli") if name in loaded] == []
    refused = run("generate", "--audience", "everyone")
    assert refused.returncode == 2 and "Invalid value for '--audience'" in refused.stderr
    assert "click" in refused.stderr  # the import log: click handled it


def test_a_missed_warm_check_hands_its_fingerprint_to_click_once(generated, capsys):
    """The console entry point computes the fingerprint; on a miss, click's generate must not compute it
    again (60 ms at 5,000 retros), and only that next call may use it."""
    from unittest import mock

    from playbookgen import buildcache
    from playbookgen.clock import today
    from playbookgen.layout import Layout

    retro = generated / "retros/2023/2023-11-09-wren.md"
    retro.write_text(retro.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    layout = Layout(generated.resolve())
    assert _entry(capsys, "-C", str(generated), "generate") == (None, "", "")
    assert buildcache._HANDED_OVER == {}  # tests and other callers never leave one behind
    assert generate_if_unchanged(["-C", str(generated), "generate"], hand_over=True) is None
    with mock.patch.object(buildcache, "_records", side_effect=AssertionError("read again")):
        handed = buildcache.fingerprint(layout, None, today())  # no file read: the handed-over key
        with pytest.raises(AssertionError, match="read again"):
            buildcache.fingerprint(layout, None, today())  # once only
    assert handed == buildcache.fingerprint(layout, None, today())
