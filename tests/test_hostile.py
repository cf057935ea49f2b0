"""Hostile and broken input: every case is a clear diagnostic (exit 1 from the CLI), never a traceback,
never code execution, never a hang, and never a file read or written outside the playbook."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner, Result

from playbookgen import pipeline, yamlsource
from playbookgen.cli import cli
from playbookgen.diagnostics import Diagnostic, Diagnostics
from playbookgen.publish import MARKER, PublishError, write_tree
from playbookgen.sources import DEFAULT_MAX_BYTES, discover, read_source
from playbookgen.yamlsource import MAX_ALIAS_NODES, YamlError, load
from tests.conftest import VALID_RETRO

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def invoke(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args])


def assert_fails_cleanly(result: Result) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def with_front_matter(extra: str, text: str = VALID_RETRO) -> str:
    """VALID_RETRO with `extra` YAML lines added at the top of its front matter."""
    return text.replace("---\n", f"---\n{extra}", 1)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def errors(diagnostics: Diagnostics, path: str) -> list[Diagnostic]:
    return [d for d in diagnostics.errors if d.path == path]


# --- 1. YAML: no object construction, no alias bombs ---------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system",
        "!!python/object/new:os.system",
        "!!python/name:os.system",
        "!!python/module:os",
        "!custom",
    ],
)
def test_python_tags_are_an_error_and_nothing_runs(playbook, write_retro, tmp_path, tag):
    touched = tmp_path / "pwned"
    text = with_front_matter(f'x: {tag} ["touch {touched}"]\n')
    write_retro("x.md", text)
    [error] = errors(pipeline.check(playbook).diagnostics, "retros/x.md")
    assert error.line == line_of(text, "x: !")
    assert "is not allowed" in error.message and "remove the tag" in error.message
    assert not touched.exists()


def test_python_tag_fails_check_without_a_traceback(playbook, write_retro, tmp_path):
    touched = tmp_path / "pwned"
    write_retro("x.md", with_front_matter(f'x: !!python/object/apply:os.system ["touch {touched}"]\n'))
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)
    assert "retros/x.md:2: error: invalid YAML: the tag '!!python/object/apply:os.system'" in result.stderr
    assert not touched.exists()


@pytest.mark.parametrize(
    ("value", "kind"), [("!!bool maybe", "bool"), ("!!int 12x", "int"), ("!!float ten", "float")]
)
def test_a_tag_the_value_cannot_have_is_an_error_on_its_line(playbook, write_retro, value, kind):
    """It was "could not be read (KeyError: 'maybe'); this is a playbookgen bug" for !!bool, and a line-less
    error for !!int and !!float."""
    text = with_front_matter(f"flag: {value}\n")
    write_retro("x.md", text)
    [error] = errors(pipeline.check(playbook).diagnostics, "retros/x.md")
    assert error.line == line_of(text, "flag:")
    shown = value.split()[1]
    assert error.message.startswith(f"invalid YAML: {shown!r} is not a valid !!{kind}; remove the tag to keep")


def test_billion_laughs_is_an_error_naming_file_and_line(playbook, write_retro):
    text = with_front_matter(BOMB)
    write_retro("x.md", text)
    [error] = errors(pipeline.check(playbook).diagnostics, "retros/x.md")
    assert error.message.startswith("too many YAML aliases: expanding them would add 1,234,567,880 nodes")
    assert f"limit {MAX_ALIAS_NODES:,}" in error.message
    assert error.line == line_of(text, "d: &d")  # the first anchor that expands beyond the limit


def test_billion_laughs_is_refused_before_anything_is_constructed():
    with (
        mock.patch.object(
            yamlsource._SafeLoader, "construct_document", side_effect=AssertionError("constructed")
        ),
        mock.patch.object(yamlsource, "_construct", side_effect=AssertionError("constructed")),
        pytest.raises(YamlError, match="too many YAML aliases"),
    ):
        load(BOMB)


def test_billion_laughs_fails_check_without_a_traceback(playbook, write_retro):
    write_retro("x.md", with_front_matter(BOMB))
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)
    assert "retros/x.md:5: error: too many YAML aliases" in result.stderr


def test_an_astronomical_alias_bomb_is_refused_quickly():
    """2**2000 nodes once expanded: only a memoised walk over the composed graph can answer at all."""
    text = "a0: &a0 [x, x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 2000))
    with pytest.raises(YamlError, match="too many YAML aliases: expanding them would add more than"):
        load(text)


def test_an_alias_inside_its_own_anchor_is_an_error():
    with pytest.raises(YamlError, match="recursive YAML alias") as raised:
        load("title: x\nloop: &a [1, *a]\n", first_line=2)
    assert raised.value.line == 3


def test_normal_anchors_aliases_and_merge_keys_keep_working(playbook, write_retro):
    text = VALID_RETRO.replace("codename: Osprey", "codename: &code Osprey")
    text = with_front_matter("base: &base {a: 1}\nmerged: {<<: *base, b: 2}\n", text)
    text = text.replace("---\n\n", "tags: [*code, '*starred*']\n---\n\n", 1)
    write_retro("x.md", text)
    checked = pipeline.check(playbook)
    assert not checked.diagnostics.errors, [d.format() for d in checked.diagnostics]
    assert checked.playbook is not None
    assert checked.playbook.retros[0].tags == ("Osprey", "*starred*")
    assert load("a: &a {x: 1}\nb: *a\nc: {<<: *a, y: 2}\n") == {
        "a": {"x": 1},
        "b": {"x": 1},
        "c": {"x": 1, "y": 2},
    }


def test_many_aliases_below_the_limit_are_fine():
    text = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: [' + ",".join(["*a"] * 500) + "]\n"
    assert len(load(text)["b"]) == 500  # 5,500 nodes once expanded


# --- 2. oversized files ----------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_an_error_naming_size_and_limit(playbook, write_retro):
    path = write_retro("x.md", VALID_RETRO + "x" * DEFAULT_MAX_BYTES)
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)
    size = path.stat().st_size
    [line] = [x for x in result.stderr.splitlines() if x.startswith("retros/x.md: error: ")]
    assert f"file too large: 1 MiB ({size:,} bytes), the limit is 1 MiB (1,048,576 bytes)" in line
    assert "split it" in line


def test_size_is_checked_with_stat_before_reading(playbook):
    """A 4 GiB sparse file is refused at once: it is never read."""
    path = playbook / "retros" / "huge.md"
    with path.open("wb") as handle:
        handle.truncate(4 << 30)
    diagnostics = Diagnostics()
    with mock.patch.object(Path, "open", side_effect=AssertionError("read")):
        assert read_source(playbook, path, diagnostics) is None
    [error] = diagnostics.errors
    assert (error.path, error.code) == ("retros/huge.md", "too-large")
    assert "file too large: 4 GiB (4,294,967,296 bytes), the limit is 1 MiB" in error.message


@pytest.mark.parametrize(("size", "readable"), [(120, True), (151, False)])
def test_a_file_that_grew_since_stat_is_read_whole_or_refused_never_cut(playbook, write_retro, size, readable):
    path = write_retro("x.md", "a" * size)
    real = os.stat(path)
    stale = os.stat_result((real.st_mode, real.st_ino, real.st_dev, real.st_nlink, real.st_uid, real.st_gid, 100, 0, 0, 0))
    diagnostics = Diagnostics()
    with mock.patch.object(Path, "stat", return_value=stale):  # stat saw 100 bytes; 120 or 151 are there
        source = read_source(playbook, path, diagnostics, max_bytes=150)
    if readable:
        assert source is not None and source.text == "a" * size and not diagnostics
    else:
        assert source is None and [d.code for d in diagnostics] == ["too-large"]


def test_max_bytes_is_a_parameter_and_the_limit_itself_is_allowed(playbook, write_retro):
    path = write_retro("x.md", "a" * 100)
    diagnostics = Diagnostics()
    assert read_source(playbook, path, diagnostics, max_bytes=100) is not None
    assert read_source(playbook, path, diagnostics, max_bytes=99) is None
    [error] = diagnostics.errors
    assert "100 bytes, the limit is 99 bytes" in error.message


# --- 3. binary files -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "phrase", "line"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not a text retro", 3),
        (b"---\ntitle: x\n\x00\x00", "binary file, not a text retro (NUL byte at offset 13)", 3),
        (VALID_RETRO.encode("utf-16"), "saved as UTF-16, not UTF-8; save the file as UTF-8", 1),
        (b"---\ntitle: \xff\n---\n", "not valid UTF-8 (byte 0xff at offset 11)", 2),
    ],
    ids=["png", "nul", "utf-16", "invalid-utf-8"],
)
def test_binary_and_misencoded_files_are_errors(playbook, content, phrase, line):
    (playbook / "retros" / "x.md").write_bytes(content)
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)
    assert f"retros/x.md:{line}: error: {phrase}" in result.stderr


# --- 4. symlinks and odd files in retros/ ---------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the playbook root, holding a valid retro that must never be read."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.md").write_text(VALID_RETRO.replace("Osprey", "TopSecret"), encoding="utf-8")
    return folder


def test_a_file_symlink_out_of_the_root_is_refused(playbook, outside):
    (playbook / "retros" / "secret.md").symlink_to(outside / "secret.md")
    diagnostics = Diagnostics()
    assert discover(playbook, playbook / "retros", diagnostics) == []
    [error] = diagnostics.errors
    assert error.path == "retros/secret.md" and "outside the playbook root: refused" in error.message
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)
    assert "retros/secret.md: error: symlink to" in result.stderr and "TopSecret" not in result.output


def test_a_relative_symlink_climbing_out_of_the_root_is_refused(playbook, outside):
    (playbook / "retros" / "secret.md").symlink_to(Path("../../outside/secret.md"))
    assert_fails_cleanly(invoke(playbook, "check"))


def test_a_folder_symlink_out_of_the_root_is_refused(playbook, outside):
    (playbook / "retros" / "2025").mkdir()
    (playbook / "retros" / "2025" / "ext").symlink_to(outside, target_is_directory=True)
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)
    assert "retros/2025/ext: error: symlink to" in result.stderr and "refused" in result.stderr
    assert "TopSecret" not in result.output


def test_a_retros_folder_that_is_a_symlink_out_of_the_root_is_refused(playbook, outside):
    (playbook / "retros").rmdir()
    (playbook / "retros").symlink_to(outside, target_is_directory=True)
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)
    assert "retros: error: symlink to" in result.stderr


def test_a_folder_symlink_inside_the_root_is_not_followed_but_named(playbook, write_retro):
    write_retro("2025/osprey.md")
    archive = playbook / "archive"
    archive.mkdir()
    (archive / "old.md").write_text(VALID_RETRO.replace("Osprey", "Archived"), encoding="utf-8")
    (playbook / "retros" / "archive").symlink_to(archive, target_is_directory=True)
    checked = pipeline.check(playbook)
    assert checked.files == 1 and not checked.diagnostics.errors
    [warning] = checked.diagnostics.warnings
    assert (warning.path, warning.code) == ("retros/archive", "symlink-not-followed")
    assert "not followed (it points to archive)" in warning.message
    assert invoke(playbook, "check").exit_code == 0
    assert_fails_cleanly(invoke(playbook, "check", "--strict"))


def test_symlink_loops_cannot_hang_discovery(playbook, write_retro):
    write_retro("2025/osprey.md")
    (playbook / "retros" / "2025" / "up").symlink_to(Path(".."), target_is_directory=True)
    (playbook / "retros" / "self").symlink_to(playbook / "retros", target_is_directory=True)
    (playbook / "retros" / "me.md").symlink_to(Path("me.md"))  # a file link to itself
    diagnostics = Diagnostics()
    found = discover(playbook, playbook / "retros", diagnostics)
    assert sorted(p.name for p in found) == ["me.md", "osprey.md"]
    assert sorted(d.path for d in diagnostics.warnings) == ["retros/2025/up", "retros/self"]
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)
    assert "retros/me.md: error: cannot read file" in result.stderr


def test_a_file_symlink_inside_the_root_is_read(playbook):
    shared = playbook / "shared"
    shared.mkdir()
    (shared / "osprey.md").write_text(VALID_RETRO, encoding="utf-8")
    (playbook / "retros" / "osprey.md").symlink_to(Path("../shared/osprey.md"))
    checked = pipeline.check(playbook)
    assert not checked.diagnostics, [d.format() for d in checked.diagnostics]
    assert checked.playbook is not None and [r.path for r in checked.playbook.retros] == ["retros/osprey.md"]


@pytest.mark.parametrize("command", ["check", "generate", "build"])
def test_a_dangling_symlink_is_an_error_not_a_silent_skip(playbook, command):
    (playbook / "retros" / "gone.md").symlink_to(Path("nowhere.md"))
    result = invoke(playbook, command)  # generate and build fingerprint every input first
    assert_fails_cleanly(result)
    assert "retros/gone.md: error: cannot read file: No such file or directory" in result.stderr


def test_skip_rules_and_the_near_miss_warning_still_apply(playbook, write_retro):
    write_retro("2025/osprey.md")
    write_retro("README.md", "# not a retro")
    write_retro("_drafts/half.md", "not a retro")
    write_retro(".hidden/x.md", "not a retro")
    write_retro("2025/_wip.md", "not a retro")
    write_retro("2025/falcon.markdown", "not read")
    checked = pipeline.check(playbook)
    assert checked.files == 1 and not checked.diagnostics.errors
    [warning] = checked.diagnostics.warnings
    assert warning.path == "retros/2025/falcon.markdown" and "rename it to falcon.md" in warning.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_blocking(playbook):
    os.mkfifo(playbook / "retros" / "pipe.md")
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)
    assert "retros/pipe.md: error: not a regular file" in result.stderr


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="permissions do not stop root")
def test_an_unreadable_folder_is_an_error_not_a_silent_skip(playbook, write_retro):
    write_retro("locked/x.md")
    locked = playbook / "retros" / "locked"
    locked.chmod(0)
    try:
        result = invoke(playbook, "check")
    finally:
        locked.chmod(0o755)
    assert_fails_cleanly(result)
    assert "retros/locked: error: cannot read folder" in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="needs byte file names")
@pytest.mark.parametrize("name", [b"bad\xff.md", b"two\nlines.md", b"bell\x07.md"])
def test_a_file_name_that_is_not_utf8_text_is_an_error(playbook, name):
    (playbook / "retros" / os.fsdecode(name)).write_bytes(VALID_RETRO.encode("utf-8"))
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)
    [line] = [x for x in result.stderr.splitlines() if "bad-name" in x or "rename it" in x]
    assert line.startswith("retros/") and "?" in line and "error: not read: the name" in line


# --- 5. output paths -------------------------------------------------------------------------------------

EVIL_PATHS = [
    "/etc/passwd",
    "../escape.md",
    "a/../../escape.md",
    "a/..",
    "..",
    "a\\..\\..\\escape.md",
    "a\\b.md",
    "nul\x00.md",
    "C:escape.md",
    "c:/windows/escape.md",
    "a/D:/escape.md",
    "",
    "a//b.md",
    "./a.md",
    "a/",
    MARKER,
    "x" * 250 + ".md",
]


@pytest.mark.parametrize("evil", EVIL_PATHS)
def test_publish_refuses_evil_paths_and_writes_nothing(tmp_path, evil):
    target = tmp_path / "docs"
    with pytest.raises(PublishError, match="nothing was written"):
        write_tree(target, {"index.md": b"# hi\n", evil: b"evil", "z.md": b"z"})
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("evil", ["../escape.md", "a\\b.md", "/tmp/escape.md"])
def test_publish_refusal_leaves_an_existing_tree_untouched(tmp_path, evil):
    target = tmp_path / "docs"
    write_tree(target, {"index.md": b"old", "old.md": b"old"})
    before = {p: p.read_bytes() for p in target.rglob("*")}
    with pytest.raises(PublishError):
        write_tree(target, {"index.md": b"new", evil: b"evil"})
    assert {p: p.read_bytes() for p in target.rglob("*")} == before


def test_publish_refuses_to_write_through_a_symlink_in_the_target(tmp_path):
    target, away = tmp_path / "docs", tmp_path / "away"
    away.mkdir()
    write_tree(target, {"index.md": b"x"})
    (target / "retros").symlink_to(away, target_is_directory=True)
    with pytest.raises(PublishError, match="resolves outside the target folder"):
        write_tree(target, {"index.md": b"x", "retros/x.md": b"evil"})
    assert list(away.iterdir()) == []


def test_publish_refuses_a_file_that_is_also_a_folder(tmp_path):
    target = tmp_path / "docs"
    with pytest.raises(PublishError, match="also the folder of other files"):
        write_tree(target, {"a": b"x", "a/b.md": b"y"})
    assert not target.exists()


def test_publish_removes_stray_symlinks_without_following_them(tmp_path):
    target, away = tmp_path / "docs", tmp_path / "away"
    away.mkdir()
    (away / "keep.md").write_text("keep", encoding="utf-8")
    write_tree(target, {"index.md": b"x"})
    (target / "linked").symlink_to(away, target_is_directory=True)
    (target / "file.md").symlink_to(away / "keep.md")
    (target / ".index.md.tmp").symlink_to(away / "keep.md")  # a planted temporary file
    report = write_tree(target, {"index.md": b"new"})
    assert report.written == ["index.md"] and (target / "index.md").read_bytes() == b"new"
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "index.md"]
    assert (away / "keep.md").read_text(encoding="utf-8") == "keep"


def test_generate_with_an_evil_page_name_is_an_error_not_a_traceback(playbook, write_retro):
    write_retro("2025/osprey.md")
    (playbook / "pages").mkdir()
    (playbook / "pages" / "a\\b.md").write_text("# evil\n", encoding="utf-8")
    result = invoke(playbook, "generate")
    assert_fails_cleanly(result)
    assert "refusing to write 'a\\\\b.md'" in result.stderr and "nothing was written" in result.stderr


# --- 6. a corpus of hostile retros: one run, every problem reported, nothing lost ----------------------

HOSTILE: dict[str, Callable[[Path, Path], None]] = {
    "tag.md": lambda r, _: (r / "tag.md").write_text(
        with_front_matter('x: !!python/object/apply:os.system ["true"]\n'), encoding="utf-8"
    ),
    "bomb.md": lambda r, _: (r / "bomb.md").write_text(with_front_matter(BOMB), encoding="utf-8"),
    "huge.md": lambda r, _: (r / "huge.md").write_bytes(b"x" * (DEFAULT_MAX_BYTES + 1)),
    "binary.md": lambda r, _: (r / "binary.md").write_bytes(b"\x00\x01\x02"),
    "link.md": lambda r, out: (r / "link.md").symlink_to(out / "secret.md"),
}


def test_every_hostile_file_is_named_and_the_good_one_still_loads(playbook, write_retro, outside):
    write_retro("2025/osprey.md")
    retros = playbook / "retros"
    for make in HOSTILE.values():
        make(retros, outside)
    checked = pipeline.check(playbook)
    assert checked.playbook is not None and [r.path for r in checked.playbook.retros] == [
        "retros/2025/osprey.md"
    ]
    assert sorted({d.path for d in checked.diagnostics.errors}) == sorted(f"retros/{n}" for n in HOSTILE)
    result = invoke(playbook, "check")
    assert_fails_cleanly(result)


def test_max_file_size_comes_from_site_config(playbook, write_retro):
    from tests.conftest import VALID_RETRO

    write_retro("big.md", VALID_RETRO + "\nfiller\n" * 200)
    (playbook / "site_config/playbook.yml").write_text("max_file_size: 1000\n", encoding="utf-8")
    found = [d for d in pipeline.check(playbook).diagnostics if d.path == "retros/big.md"]
    assert len(found) == 1 and "the limit is" in found[0].message and "1,000 bytes" in found[0].message


def test_hand_written_page_linking_out_of_the_root_is_refused(playbook, write_retro, tmp_path):
    write_retro("osprey.md")
    secret = tmp_path / "id_rsa"
    secret.write_text("PRIVATE KEY", encoding="utf-8")
    (playbook / "pages").mkdir()
    (playbook / "pages/key.md").symlink_to(secret)
    result = CliRunner().invoke(cli, ["-C", str(playbook), "generate"])
    assert result.exit_code == 1
    assert "pages/key.md: error: symlink to" in result.stderr and "refused" in result.stderr
    assert not (playbook / "build/docs/key.md").exists()


def test_very_long_file_name_gives_an_id_error_not_a_path(playbook, write_retro):
    name = "2025-" + "a" * 150 + ".md"
    write_retro(name)
    found = [d for d in pipeline.check(playbook).diagnostics if d.field == "id"]
    assert len(found) == 1 and found[0].path == f"retros/{name}"
    assert "155 characters long (limit 100)" in found[0].message


def test_two_file_names_that_slugify_to_one_url_are_an_error(playbook, write_retro):
    write_retro("2025/2025-03-07 Falcon.md")
    write_retro("2025/2025-03-07-falcon.md")
    found = [d for d in pipeline.check(playbook).diagnostics if d.field == "id"]
    assert len(found) == 1
    named = found[0].format()
    assert "retros/2025/2025-03-07 Falcon.md" in named and "retros/2025/2025-03-07-falcon.md" in named
    assert "duplicate retro id '2025-03-07-falcon'" in named


def test_publish_replaces_a_dangling_symlink_instead_of_writing_through_it(tmp_path):
    target = tmp_path / "docs"
    write_tree(target, {"index.md": b"x"})
    (target / "page.md").symlink_to(target / "missing.md")  # dangling, inside the folder
    report = write_tree(target, {"index.md": b"x", "page.md": b"page"})
    assert report.written == ["page.md"]
    assert not (target / "page.md").is_symlink() and (target / "page.md").read_bytes() == b"page"
    assert not (target / "missing.md").exists()


def test_published_pages_are_ordinary_files_new_or_replaced(tmp_path):
    target = tmp_path / "docs"
    write_tree(target, {"new.md": b"1", "changed.md": b"1"})
    write_tree(target, {"new.md": b"1", "changed.md": b"2"})
    modes = {name: (target / name).stat().st_mode & 0o777 for name in ("new.md", "changed.md")}
    assert modes["new.md"] == modes["changed.md"] and modes["new.md"] & 0o044  # readable by others, not 0600
