"""A warm run must give what a cold run gives: every change that can change the result misses the cache."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from playbookgen import buildcache, corpus, pipeline
from playbookgen.cli import cli
from playbookgen.layout import Layout
from tests.conftest import copy_skeleton

UP_TO_DATE = "up to date: no input changed since the last run"


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    assert _run(root).exit_code == 0
    return root


def _run(root: Path, *options: str):
    return CliRunner().invoke(cli, ["-C", str(root), "generate", *options])


def _pages(root: Path) -> dict[str, bytes]:
    docs = root / "build/docs"
    return {
        p.relative_to(docs).as_posix(): p.read_bytes()
        for p in sorted(docs.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def test_a_symlinked_folder_added_to_retros_is_reported_not_answered_from_the_cache(generated, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (generated / "retros/linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    result = _run(generated, "--strict")
    assert UP_TO_DATE not in result.stderr
    assert result.exit_code == 1 and "retros/linked" in result.stderr


def test_an_empty_folder_is_an_input(generated):
    before = buildcache.fingerprint(Layout(generated), None, date(2026, 1, 1))
    (generated / "retros/2031").mkdir()
    assert buildcache.fingerprint(Layout(generated), None, date(2026, 1, 1)) != before


def test_a_retro_symlink_pointed_elsewhere_with_the_same_content_is_a_change(generated, tmp_path):
    retro = generated / "retros/2023/2023-11-09-wren.md"
    for name in ("one.md", "two.md"):
        (tmp_path / name).write_bytes(retro.read_bytes())
    retro.unlink()
    retro.symlink_to(tmp_path / "one.md")
    before = buildcache.fingerprint(Layout(generated), None, date(2026, 1, 1))
    retro.unlink()
    retro.symlink_to(tmp_path / "two.md")
    assert buildcache.fingerprint(Layout(generated), None, date(2026, 1, 1)) != before


def test_a_template_in_a_symlinked_folder_is_followed_like_jinja_follows_it(generated, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "note.md").write_text("NOTE ONE\n", encoding="utf-8")
    (generated / "templates/partials").symlink_to(shared, target_is_directory=True)
    (generated / "templates/tags.md.j2").write_text('# Tags\n{% include "partials/note.md" %}', encoding="utf-8")
    assert _run(generated).exit_code == 0
    (shared / "note.md").write_text("NOTE TWO\n", encoding="utf-8")
    result = _run(generated)
    assert result.exit_code == 0 and UP_TO_DATE not in result.stderr
    assert (generated / "build/docs/tags.md").read_text(encoding="utf-8") == "# Tags\nNOTE TWO\n"


def test_a_symlink_loop_under_templates_is_read_once(generated):
    (generated / "templates/loop").symlink_to(generated / "templates", target_is_directory=True)
    first = buildcache.fingerprint(Layout(generated), None, date(2026, 1, 1))
    assert first == buildcache.fingerprint(Layout(generated), None, date(2026, 1, 1))
    inside = [r for r in buildcache._records(os.fspath(generated), "templates") if r.startswith(b"templates/loop/")]
    assert [r.split(b"\0")[0] for r in inside] == [b"templates/loop/", b"templates/loop/"]  # not a second copy:
    assert b"again: " in inside[1]  # the folder, then "again: <where>"
    (generated / "templates/README.md").write_text("changed\n", encoding="utf-8")
    assert buildcache.fingerprint(Layout(generated), None, date(2026, 1, 1)) != first


def test_upgrading_an_installed_package_is_a_change(generated, tmp_path, monkeypatch):
    site = tmp_path / "lib/site-packages"
    (site / "Jinja2-3.1.6.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    before = buildcache.fingerprint(Layout(generated), None, date(2026, 1, 1))
    (site / "Jinja2-3.1.6.dist-info").rename(site / "Jinja2-3.2.0.dist-info")
    assert buildcache.fingerprint(Layout(generated), None, date(2026, 1, 1)) != before


def test_files_whose_bytes_run_together_the_same_are_different_inputs(generated):
    pages = generated / "pages"
    (pages / "a.bin").write_bytes(b"X")
    (pages / "b.bin").write_bytes(b"Y")
    assert _run(generated).exit_code == 0
    (pages / "b.bin").unlink()
    (pages / "a.bin").write_bytes(b"Xpages/b.bin\0Y")
    result = _run(generated)
    assert UP_TO_DATE not in result.stderr
    assert not (generated / "build/docs/b.bin").exists()
    assert (generated / "build/docs/a.bin").read_bytes() == b"Xpages/b.bin\0Y"


def test_a_file_added_to_or_edited_in_the_docs_folder_is_put_right(generated):
    expected = _pages(generated)
    docs = generated / "build/docs"
    (docs / "stray.md").write_text("# Stray\n", encoding="utf-8")
    index = (docs / "index.md").read_text(encoding="utf-8")
    (docs / "index.md").write_text(index.replace("the", "THE", 1), encoding="utf-8")  # the same size
    result = _run(generated)
    assert result.exit_code == 0 and UP_TO_DATE not in result.stderr
    assert _pages(generated) == expected
    assert UP_TO_DATE in _run(generated).stderr  # and the next run is warm again


def test_a_run_stopped_while_writing_leaves_no_cache_to_trust(generated, monkeypatch):
    from playbookgen import publish

    retro = generated / "retros/2023/2023-11-09-wren.md"
    retro.write_text(retro.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(publish, "write_tree", stopped)  # Ctrl-C half way through the pages
    assert _run(generated).exit_code != 0
    assert not (generated / "build/docs" / buildcache.CACHE_FILE).exists()
    monkeypatch.undo()
    retro.write_text(retro.read_text(encoding="utf-8").replace("\nOne more line.\n", ""), encoding="utf-8")
    assert UP_TO_DATE not in _run(generated).stderr  # the old inputs again, but not the old pages' cache


def test_the_retro_cache_sees_an_edit_that_kept_the_size_and_the_modification_time(generated):
    retro = generated / "retros/2023/2023-11-09-wren.md"
    cache = corpus.RetroCache()
    assert pipeline.generate(generated, "team", cache=cache).files
    info = retro.stat()
    retro.write_text(retro.read_text(encoding="utf-8").replace("Wren", "Wrex", 1), encoding="utf-8")
    os.utime(retro, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert retro.stat().st_size == info.st_size and retro.stat().st_mtime_ns == info.st_mtime_ns
    pages = pipeline.generate(generated, "team", cache=cache).files
    assert any(b"Wrex" in content for content in pages.values())


def test_linked_template_folders_are_read_once_each_and_never_the_whole_playbook(generated):
    folder = generated / "templates/x"
    for i in range(20):  # each level links twice to the next: 2**20 paths, 20 folders
        (folder / f"d{i}").mkdir(parents=True)
    for i in range(19):
        (folder / f"d{i}/a").symlink_to(folder / f"d{i + 1}", target_is_directory=True)
        (folder / f"d{i}/b").symlink_to(folder / f"d{i + 1}", target_is_directory=True)
    (generated / "templates/up").symlink_to(generated, target_is_directory=True)
    (generated / "retros/usr").symlink_to("/usr", target_is_directory=True)  # refused, and not read
    records = buildcache._records(os.fspath(generated), "templates")
    assert len(records) < 200
    assert _run(generated).exit_code == 1  # the link out of the root is refused
    (generated / "retros/usr").unlink()
    assert _run(generated).exit_code == 0
    assert UP_TO_DATE in _run(generated).stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_among_the_hand_written_pages_is_refused_not_waited_on(generated):
    os.mkfifo(generated / "pages/pipe.md")
    result = _run(generated)
    assert result.exit_code == 1
    assert "pages/pipe.md: error: not a regular file (a device, pipe or socket): refused" in result.stderr
