"""The pipeline's shape: a pure core that adapters wrap, and errors that never become tracebacks."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from playbookgen.cli import cli
from playbookgen.layout import DEFAULTS
from tests.conftest import REPO, copy_skeleton

CORE = ["sources", "validate", "lessons", "body", "schema", "model", "group", "render", "pipeline", "taxonomy"]


def test_core_imports_neither_click_nor_mkdocs():
    imports = "; ".join(f"import playbookgen.{name}" for name in CORE)
    code = f"import sys; {imports}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('click', 'mkdocs')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]"


def test_core_writes_no_files(tmp_path):
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    from playbookgen import pipeline

    generated = pipeline.generate(root)
    assert len(generated.files) > 50
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_outside_a_playbook_root_check_says_where_to_run(tmp_path):
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "check"])
    assert result.exit_code == 1
    assert "does not look like a playbook root" in result.stderr and "-C DIR" in result.stderr


def test_broken_mkdocs_yml_is_an_error_not_a_traceback(tmp_path):
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    (root / "mkdocs.yml").write_text("site_name: x\ndocs_dir: [\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "generate"])
    assert result.exit_code == 1
    assert "mkdocs.yml:3: cannot read MkDocs settings" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_mkdocs_warning_fails_the_build(tmp_path):
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    macros = root / "templates/_macros.md.j2"  # a playbook's own template wins over the packaged one
    # A link to a page that does not exist: MkDocs warns, and strict mode must fail the build.
    macros.write_text((DEFAULTS / "templates/_macros.md.j2").read_text(encoding="utf-8").replace('url("retros/" ~ retro.id ~ ".md")', 'url("retros/" ~ retro.id ~ "-gone.md")', 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(root), "build"])
    assert result.exit_code == 1
    assert "mkdocs: warning:" in result.stderr and "-gone.md" in result.stderr
    assert "site build failed" in result.stderr


def test_an_unchanged_playbook_starts_without_loading_the_pipeline(tmp_path):
    """A warm `generate` is mostly interpreter start-up: it must not import the pipeline's libraries."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    command = [sys.executable, "-X", "importtime", "-m", "playbookgen", "-C", str(root), "generate"]
    cold = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert cold.returncode == 0 and "generated" in cold.stderr, cold.stderr[-2000:]
    assert "jinja2" in cold.stderr  # the import log names the modules a cold run loads
    warm = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert warm.returncode == 0 and "up to date: no input changed" in warm.stderr, warm.stderr[-2000:]
    loaded = {line.rsplit("|", 1)[-1].strip() for line in warm.stderr.splitlines() if line.startswith("import time:")}
    heavy = ["jinja2", "pydantic", "markdown", "mkdocs", "ahocorasick", "logging", "tempfile", "yaml"]
    heavy += ["dataclasses", "inspect", "typing"]  # 5 ms of a 30 ms warm run
    heavy += ["_hashlib"]  # OpenSSL: 2.5 ms
    heavy += ["playbookgen.pipeline", "playbookgen.audience", "playbookgen.publish"]
    assert "playbookgen.buildcache" in loaded
    assert [name for name in heavy if name in loaded] == []


def test_a_warm_run_finds_docs_dir_however_mkdocs_yml_writes_it(tmp_path):
    """The warm path guesses docs_dir from a plain line; YAML the guess misreads must still work, and a
    stale cache where the guess points must never be taken for the current one."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    config = root / "mkdocs.yml"
    original = config.read_text(encoding="utf-8")
    assert "\ndocs_dir: build/docs\n" in original

    def generate() -> str:
        result = CliRunner().invoke(cli, ["-C", str(root), "generate"])
        assert result.exit_code == 0, result.output
        return result.stderr

    # A folded scalar: the guess reads ">-"; YAML reads build/out. The second run is still warm.
    config.write_text(original.replace("docs_dir: build/docs", "docs_dir: >-\n  build/out"), encoding="utf-8")
    assert "in build/out: " in generate() and (root / "build/out/index.md").is_file()
    assert generate().startswith("up to date") and not (root / ">-").exists()
    # A repeated key: the guess reads the first line (build/out, whose cache is there); YAML keeps the last.
    config.write_text(original.replace("docs_dir: build/docs", "docs_dir: build/out\ndocs_dir: build/new"), encoding="utf-8")
    second = generate()
    assert second.startswith("generated") and "in build/new: " in second, second
    assert generate().startswith("up to date") and "in build/new: " in generate()


def test_a_warm_run_never_takes_another_playbooks_cache(tmp_path):
    """Two copies of a playbook whose docs_dir the guess misreads as the other copy's folder."""
    first = copy_skeleton(tmp_path / "a", with_retros=True)
    second = copy_skeleton(tmp_path / "b", with_retros=True)
    for root in (first, second):  # YAML keeps the last key; the plain-line guess reads the first
        config = root / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("docs_dir: build/docs", "docs_dir: ../a/build/docs\ndocs_dir: build/docs"),
                          encoding="utf-8")
    retro = next(iter(sorted((second / "retros").rglob("*.md"))))
    moved = tmp_path / retro.name
    retro.rename(moved)
    assert CliRunner().invoke(cli, ["-C", str(second), "generate"]).exit_code == 0
    moved.rename(retro)  # b now has every retro, like a
    assert CliRunner().invoke(cli, ["-C", str(first), "generate"]).exit_code == 0
    result = CliRunner().invoke(cli, ["-C", str(second), "generate"])  # a's cache matches b's inputs
    assert result.exit_code == 0 and result.stderr.startswith("generated"), result.stderr
    assert "in build/docs: " in result.stderr
    pages = sorted(p.name for p in (first / "build/docs/retros").iterdir())
    assert sorted(p.name for p in (second / "build/docs/retros").iterdir()) == pages


def test_a_named_pipe_or_a_huge_file_among_the_inputs_is_never_read_by_the_fingerprint(tmp_path):
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    os.mkfifo(root / "retros/pipe.md")  # opening it for reading would wait for a writer forever
    with (root / "retros/huge.md").open("wb") as handle:
        handle.truncate(4 << 30)  # sparse: reading it would allocate 4 GiB
    command = [sys.executable, "-m", "playbookgen", "-C", str(root), "generate"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "retros/pipe.md: error: not a regular file" in result.stderr
    assert "retros/huge.md: error: file too large: 4 GiB" in result.stderr


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("folder", "not a regular file"), ("named pipe", "not a regular file"), ("broken symlink", "a symlink to a missing file")],
)
def test_a_mkdocs_yml_that_is_not_a_file_is_an_error_not_a_traceback_or_a_hang(tmp_path, kind, reason):
    """A folder named mkdocs.yml once stopped build with MkDocs' IsADirectoryError; a named pipe made
    every run wait forever for someone to write to it; a broken symlink read as no mkdocs.yml at all."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    mkdocs_yml = root / "mkdocs.yml"
    mkdocs_yml.unlink()
    if kind == "folder":
        mkdocs_yml.mkdir()
    elif kind == "named pipe":
        os.mkfifo(mkdocs_yml)
    else:
        mkdocs_yml.symlink_to(root / "gone.yml")
    for command in ("generate", "build"):
        run = [sys.executable, "-m", "playbookgen", "-C", str(root), command]
        result = subprocess.run(run, capture_output=True, text=True, cwd=tmp_path, timeout=60)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert f"error: mkdocs.yml: cannot read MkDocs settings: {reason}" in result.stderr


def test_a_warm_run_resolves_links_in_docs_dir_before_comparing_it(tmp_path):
    """`x/..` in the setting is where the link x leads, then up: not the playbook root."""
    first = copy_skeleton(tmp_path / "a", with_retros=True)
    second = copy_skeleton(tmp_path / "b", with_retros=True)
    for root in (first, second):  # the guess reads the first key (x/../docs); YAML keeps the last (docs)
        config = root / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("docs_dir: build/docs", "docs_dir: x/../docs\ndocs_dir: docs"), encoding="utf-8")
    (second / "x").symlink_to(Path("../a/retros"))  # so b's x/../docs is a/docs
    retro = next(iter(sorted((second / "retros").rglob("*.md"))))
    moved = tmp_path / retro.name
    retro.rename(moved)
    assert CliRunner().invoke(cli, ["-C", str(second), "generate"]).exit_code == 0
    moved.rename(retro)
    assert CliRunner().invoke(cli, ["-C", str(first), "generate"]).exit_code == 0
    result = CliRunner().invoke(cli, ["-C", str(second), "generate"])
    assert result.exit_code == 0 and result.stderr.startswith("generated"), result.stderr
    assert sorted(p.name for p in (second / "docs/retros").iterdir()) == sorted(
        p.name for p in (first / "docs/retros").iterdir()
    )


def test_the_fingerprint_sees_a_large_file_rewritten_with_its_old_size_and_time(tmp_path):
    from datetime import date

    from playbookgen import buildcache
    from playbookgen.layout import Layout

    root = copy_skeleton(tmp_path / "pb")
    (root / "pages").mkdir()
    big = root / "pages/video.bin"
    big.write_bytes(b"a" * (17 << 20))  # over the size the fingerprint reads
    before = big.stat()
    key = buildcache.fingerprint(Layout(root), None, date(2026, 1, 1))
    big.write_bytes(b"b" * (17 << 20))
    os.utime(big, ns=(before.st_atime_ns, before.st_mtime_ns))  # what `touch -r` does
    assert buildcache.fingerprint(Layout(root), None, date(2026, 1, 1)) != key


def test_the_fingerprint_closes_every_file_it_opens(tmp_path):
    from playbookgen import buildcache

    open_fds = Path("/proc/self/fd")
    if not open_fds.is_dir():
        pytest.skip("needs /proc")
    before = len(list(open_fds.iterdir()))
    for _ in range(20):  # a folder opens but is not read; a regular file is read
        assert buildcache._content(str(tmp_path)).startswith(b"not a regular file")
        assert buildcache._content(__file__).startswith(b'"""')
    assert len(list(open_fds.iterdir())) == before


def test_generate_in_process_leaves_its_garbage_to_the_collector(tmp_path):
    """Run in process (as tests and CliRunner do), generate must leave its reference cycles collectable:
    aged past the collector's generations (as a process about to exit does to save time), every run's
    cycles stayed until a full collection that never came (1.5 MB per run on the sample)."""
    root = copy_skeleton(tmp_path / "pb", with_retros=True)
    retro = root / "retros/2023/2023-11-09-wren.md"
    text = retro.read_text(encoding="utf-8")
    gc.collect()
    for run in range(5):
        retro.write_text(text.replace("## Lessons", f"## Lessons\n\nRun {run}.", 1), encoding="utf-8")
        result = CliRunner().invoke(cli, ["-C", str(root), "generate"])
        assert result.exit_code == 0 and "generated" in result.stderr, result.stderr
    assert gc.isenabled()
    assert gc.collect() < 5_000  # what the last run left, not all five runs' cycles
