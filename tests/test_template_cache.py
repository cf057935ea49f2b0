"""Compiled templates are kept between runs (like __pycache__): the pages never depend on the cache."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner
from jinja2.bccache import bc_magic

from playbookgen import pipeline
from playbookgen.cli import cli
from playbookgen.layout import DEFAULTS
from playbookgen.publish import template_code_cache
from playbookgen.render import code_cache_key


@pytest.fixture
def compiled(monkeypatch):
    """The names of the templates Jinja compiles from source (not loaded from a cache), in order."""
    names: list[str | None] = []
    compile_source = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, *args, **kwargs):
        names.append(name)
        return compile_source(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return names


def _pages(playbook, cache=None):
    generated = pipeline.generate(playbook, code_cache=cache)
    assert not generated.checked.diagnostics.errors
    return generated.files


def test_templates_compile_once_and_an_edited_one_compiles_again(
    playbook, write_retro, tmp_path, monkeypatch, compiled
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write_retro("2025/osprey.md")
    without = _pages(playbook)
    cache = template_code_cache(code_cache_key())
    assert cache is not None
    compiled.clear()
    assert _pages(playbook, cache) == without
    assert "retro.md.j2" in compiled and "_macros.md.j2" in compiled
    assert len(list((tmp_path / "cache/playbookgen/templates").iterdir())) == len(set(compiled))

    compiled.clear()
    assert _pages(playbook, template_code_cache(code_cache_key())) == without  # a new run, a new cache object
    assert compiled == []

    override = playbook / "templates/retro.md.j2"
    default = (DEFAULTS / "templates/retro.md.j2").read_text(encoding="utf-8")
    override.write_text(default + "\nFirst edit.\n", encoding="utf-8")
    assert b"First edit." in _pages(playbook, cache)["retros/osprey.md"]
    assert compiled == ["retro.md.j2"]
    compiled.clear()
    override.write_text(
        default + "\nOther edit.\n", encoding="utf-8"
    )  # the same size: Jinja checks the source
    assert b"Other edit." in _pages(playbook, cache)["retros/osprey.md"]
    assert compiled == ["retro.md.j2"]


def test_a_template_error_names_the_same_line_when_the_template_comes_from_the_cache(
    playbook, write_retro, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write_retro("2025/osprey.md")
    default = (DEFAULTS / "templates/stage.md.j2").read_text(encoding="utf-8")
    (playbook / "templates/stage.md.j2").write_text(
        default.replace("term.name", "term.nme", 1), encoding="utf-8"
    )
    line = 1 + default.split("term.name")[0].count("\n")
    for _ in range(2):  # compiled, then loaded from the cache
        result = CliRunner().invoke(cli, ["-C", str(playbook), "generate"])
        assert result.exit_code == 1
        assert f"templates/stage.md.j2:{line}:" in result.stderr and "nme" in result.stderr


@pytest.mark.parametrize("damage", ["garbage", "truncated", "not a folder"])
def test_a_damaged_or_impossible_template_cache_only_costs_time(
    playbook, write_retro, tmp_path, monkeypatch, damage
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")  # the CLI's day and the pipeline's are the same
    write_retro("2025/osprey.md")
    without = _pages(playbook)
    runner = CliRunner()
    assert runner.invoke(cli, ["-C", str(playbook), "generate"]).exit_code == 0
    entries = sorted((tmp_path / "cache/playbookgen/templates").iterdir())
    assert entries
    if damage == "not a folder":
        monkeypatch.setenv("XDG_CACHE_HOME", str(entries[0]))  # a file where the cache folder would be
    for entry in entries if damage != "not a folder" else []:
        content = entry.read_bytes()
        # truncated: cut inside the checksum after Jinja's header, which Jinja itself does not survive
        entry.write_bytes(b"\x00garbage" * 50 if damage == "garbage" else content[: len(bc_magic) + 1])
    (playbook / "build").rename(tmp_path / "old-build")
    result = runner.invoke(cli, ["-C", str(playbook), "generate"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    written = {
        p.relative_to(playbook / "build/docs").as_posix(): p.read_bytes()
        for p in (playbook / "build/docs").rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert {k: v for k, v in written.items() if k.endswith(".md")} == {
        k: v for k, v in without.items() if k.endswith(".md")
    }


def test_an_edit_of_playbookgens_code_names_new_entries_and_drops_the_old(tmp_path, monkeypatch):
    """How a filter is called is compiled into a template: code compiled before an edit of playbookgen
    (the version number does not change) failed with "missing 1 required positional argument"."""
    from playbookgen import render

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    package = Path(render.__file__).parent
    copy = tmp_path / "playbookgen"
    copy.mkdir()
    for source in package.glob("*.py"):
        (copy / source.name).write_bytes(source.read_bytes())
    monkeypatch.setattr(render, "__file__", str(copy / "render.py"))
    before = render.code_cache_key()
    assert render.code_cache_key() == before
    folder = tmp_path / "cache/playbookgen/templates"
    assert template_code_cache(before) is not None
    (folder / f"{before}-entry.cache").write_bytes(b"compiled")
    (folder / f"{before}-entry.cache1234.tmp").write_bytes(b"half written by a killed run")

    (copy / "render.py").write_text((copy / "render.py").read_text() + "\n# an edit\n")
    after = render.code_cache_key()
    assert after != before
    assert template_code_cache(after) is not None
    assert list(folder.iterdir()) == []  # the old key's entries and the leftover are gone


def test_a_cache_folder_others_may_write_is_not_used(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert template_code_cache("k") is not None
    (tmp_path / "cache/playbookgen/templates").chmod(0o777)
    assert template_code_cache("k") is None
