"""Load: find retro files under retros/ and read them as text. Nothing here interprets content."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from frontmatter.default_handlers import YAMLHandler

from playbookgen.diagnostics import Diagnostics

DEFAULT_MAX_BYTES = 1 << 20  # 1 MiB: larger files are errors, never read
_NEAR_MISS_SUFFIXES = {".markdown", ".mdown", ".mkd", ".txt"}
# control characters, and the lone surrogates that stand for bytes of a name that is not valid UTF-8
_BAD_NAME_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_BOUNDARY: re.Pattern[str] = YAMLHandler.FM_BOUNDARY


@dataclass(frozen=True)
class Source:
    path: str  # relative to the playbook root, with '/' separators: what diagnostics name
    text: str


@dataclass(frozen=True)
class Split:
    front_matter: str
    front_matter_line: int
    body: str
    body_line: int


def is_skipped(relative: Path) -> bool:
    """README.md and anything whose own name or a folder's name starts with '_' or '.' is not a retro."""
    if relative.name.lower() == "readme.md":
        return True
    return any(part.startswith(("_", ".")) for part in relative.parts)


def discover(root: Path, retros_dir: Path, diagnostics: Diagnostics) -> list[Path]:
    """Every retro file, sorted; files that look like retros but are not `.md` get a warning.

    Symlinks are never followed out of the playbook root, and symlinked folders are not walked at all, so a
    link loop cannot hang discovery; each one is reported, never skipped silently.
    """
    if not retros_dir.is_dir():
        diagnostics.error(
            _rel(root, retros_dir),
            None,
            None,
            "retros folder not found; create it and add retros (see README.md)",
            "no-retros-dir",
        )
        return []
    if _refused_link(root, retros_dir, diagnostics):
        return []

    def unreadable(exc: OSError) -> None:
        folder = Path(exc.filename) if exc.filename else retros_dir
        diagnostics.error(
            _rel(root, folder),
            None,
            None,
            f"cannot read folder: {exc.strerror}; check its permissions",
            "unreadable",
        )

    found: list[Path] = []
    for folder, folders, files in os.walk(retros_dir, onerror=unreadable, followlinks=False):
        here = Path(folder)
        folders[:] = sorted(
            name for name in folders if _walk_into(root, retros_dir, here / name, diagnostics)
        )
        found.extend(
            path for path in (here / name for name in files) if _is_retro(root, retros_dir, path, diagnostics)
        )
    return sorted(found)


def _walk_into(root: Path, retros_dir: Path, folder: Path, diagnostics: Diagnostics) -> bool:
    if is_skipped(folder.relative_to(retros_dir)) or _bad_name(root, folder, diagnostics):
        return False
    if not folder.is_symlink():
        return True
    if not _refused_link(root, folder, diagnostics):
        diagnostics.warning(
            _rel(root, folder),
            None,
            None,
            f"symlinked folder not followed (it points to {_rel(_real(root), _real(folder))}); "
            "move or copy its retros into retros/ instead of linking them",
            "symlink-not-followed",
        )
    return False


def _is_retro(root: Path, retros_dir: Path, path: Path, diagnostics: Diagnostics) -> bool:
    if is_skipped(path.relative_to(retros_dir)) or _bad_name(root, path, diagnostics):
        return False
    if path.suffix == ".md":
        return not _refused_link(root, path, diagnostics)
    if path.suffix.lower() in _NEAR_MISS_SUFFIXES | {".md"}:
        diagnostics.warning(
            _rel(root, path),
            None,
            None,
            f"not read: retros must end in '.md'; rename it to {path.stem}.md",
            "not-markdown",
        )
    return False


def _bad_name(root: Path, path: Path, diagnostics: Diagnostics) -> bool:
    """True (with an error) when the name is not valid UTF-8 or holds control characters (newlines, tabs)."""
    if not _BAD_NAME_CHARACTER.search(path.name):
        return False
    diagnostics.error(
        _BAD_NAME_CHARACTER.sub("?", _rel(root, path)),
        None,
        None,
        "not read: the name is not valid UTF-8 or holds control characters (shown as '?'); rename it",
        "bad-name",
    )
    return True


def _refused_link(root: Path, path: Path, diagnostics: Diagnostics) -> bool:
    """True (with an error) when `path` is a symlink that resolves outside the playbook root."""
    if not path.is_symlink() or _real(path).is_relative_to(_real(root)):
        return False
    diagnostics.error(
        _rel(root, path),
        None,
        None,
        f"symlink to {_real(path)}, outside the playbook root: refused (not read); "
        "copy the file into the playbook or remove the link",
        "symlink-refused",
    )
    return True


def _real(path: Path) -> Path:
    """Where `path` really is, every symlink resolved (a link loop resolves to somewhere, never raises)."""
    return Path(os.path.realpath(path))


def list_files(root: Path, folder: Path, diagnostics: Diagnostics) -> list[Path]:
    """Every file below `folder` (hand-written pages), sorted; hidden names are skipped, symlinks out of the
    playbook root are refused and symlinked folders are not walked, as for retros."""
    found: list[Path] = []
    for here, folders, files in os.walk(folder, followlinks=False):
        base = Path(here)
        folders[:] = sorted(
            name for name in folders if not name.startswith(".") and not (base / name).is_symlink()
        )
        for name in files:
            path = base / name
            hidden = name.startswith(".")
            if (
                not hidden
                and not _bad_name(root, path, diagnostics)
                and not _refused_link(root, path, diagnostics)
            ):
                found.append(path)
    return sorted(found)


def read_source(
    root: Path, path: Path, diagnostics: Diagnostics, max_bytes: int = DEFAULT_MAX_BYTES
) -> Source | None:
    """The text (UTF-8, '\\n' line ends), or None with an error: unreadable, too large, binary, not UTF-8."""
    name = _rel(root, path)
    data = _read_bytes(path, name, max_bytes, diagnostics)
    if data is None or _is_binary(data, name, diagnostics):
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        diagnostics.error(
            name,
            line,
            None,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); save the file as UTF-8",
            "encoding",
        )
        return None
    return Source(name, text.replace("\r\n", "\n").replace("\r", "\n"))


def read_bytes(root: Path, path: Path, diagnostics: Diagnostics, max_bytes: int = 1 << 62) -> bytes | None:
    """A file's bytes (a hand-written page or asset: no size limit by default), or None with an error:
    unreadable, not a regular file, or larger than `max_bytes`."""
    return _read_bytes(path, _rel(root, path), max_bytes, diagnostics)


def _is_binary(data: bytes, name: str, diagnostics: Diagnostics) -> bool:
    """True (with an error) when the file holds NUL bytes: an image, an archive, or UTF-16 text."""
    offset = data.find(b"\0")
    if offset < 0:
        return False
    line = data[:offset].count(b"\n") + 1
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        diagnostics.error(name, line, None, "saved as UTF-16, not UTF-8; save the file as UTF-8", "encoding")
    else:
        diagnostics.error(
            name,
            line,
            None,
            f"binary file, not a text retro (NUL byte at offset {offset}); only UTF-8 text files can be read",
            "binary",
        )
    return True


def _read_bytes(path: Path, name: str, max_bytes: int, diagnostics: Diagnostics) -> bytes | None:
    """The file's bytes; its size and kind are checked with stat first, so nothing large is ever read."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            diagnostics.error(
                name, None, None, "not a regular file (a device, pipe or socket): refused", "unreadable"
            )
            return None
        if info.st_size <= max_bytes:
            with path.open("rb") as handle:
                # Its size, not the limit: a read of the limit allocates (and maps) a megabyte every time.
                data = handle.read(info.st_size + 1)
                if len(data) > info.st_size:  # it grew since stat: read on, never past the limit
                    data += handle.read(max_bytes + 1 - len(data))
            if len(data) <= max_bytes:
                return data
    except OSError as exc:
        diagnostics.error(name, None, None, f"cannot read file: {exc.strerror}", "unreadable")
        return None
    size = max(info.st_size, max_bytes + 1)
    diagnostics.error(
        name,
        None,
        None,
        f"file too large: {_bytes(size)}, the limit is {_bytes(max_bytes)}; "
        "a retro is a few pages of text: split it or take out what is not part of it (images, pasted logs)",
        "too-large",
    )
    return None


def _bytes(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit} ({size:,} bytes)".replace(".0 ", " ")
    return f"{size:,} bytes"


def starts_front_matter(text: str) -> bool:
    """python-frontmatter's YAMLHandler.detect: the text starts with a boundary line."""
    return _BOUNDARY.match(text) is not None


def split_front_matter(text: str) -> Split | None:
    """Front matter between two '---' lines at the top of the file (python-frontmatter's boundary)."""
    if not starts_front_matter(text):
        return None
    boundaries = _BOUNDARY.finditer(text)  # lazily: only the first two matter, not every rule in the body
    start, end = next(boundaries, None), next(boundaries, None)
    if start is None or end is None:
        return None
    rest = text[end.end() :]
    body = rest.lstrip("\n")
    return Split(
        front_matter=text[start.end() : end.start()],
        front_matter_line=text.count("\n", 0, start.end()) + 1,
        body=body,
        body_line=text.count("\n", 0, end.end() + len(rest) - len(body)) + 1,
    )


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
