"""Load: find retro files under retros/ and read them as text. Nothing here interprets content."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from frontmatter.default_handlers import YAMLHandler

from playbookgen.diagnostics import Diagnostics

_NEAR_MISS_SUFFIXES = {".markdown", ".mdown", ".mkd", ".txt"}
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
    """Every retro file, sorted; files that look like retros but are not `.md` get a warning."""
    if not retros_dir.is_dir():
        diagnostics.error(
            _rel(root, retros_dir),
            None,
            None,
            "retros folder not found; create it and add retros (see README.md)",
            "no-retros-dir",
        )
        return []
    found: list[Path] = []
    for path in sorted(retros_dir.rglob("*")):
        relative = path.relative_to(retros_dir)
        if not path.is_file() or is_skipped(relative):
            continue
        if path.suffix == ".md":
            found.append(path)
        elif path.suffix.lower() in _NEAR_MISS_SUFFIXES | {".md"}:
            diagnostics.warning(
                _rel(root, path),
                None,
                None,
                f"not read: retros must end in '.md'; rename it to {path.stem}.md",
                "not-markdown",
            )
    return found


def read_source(root: Path, path: Path, diagnostics: Diagnostics) -> Source | None:
    name = _rel(root, path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        diagnostics.error(name, None, None, f"cannot read file: {exc.strerror}", "unreadable")
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


def starts_front_matter(text: str) -> bool:
    return YAMLHandler().detect(text)


def split_front_matter(text: str) -> Split | None:
    """Front matter between two '---' lines at the top of the file (python-frontmatter's boundary)."""
    if not starts_front_matter(text):
        return None
    boundaries = list(_BOUNDARY.finditer(text))
    if len(boundaries) < 2:
        return None
    start, end = boundaries[0], boundaries[1]
    return Split(
        front_matter=text[start.end() : end.start()],
        front_matter_line=text.count("\n", 0, start.end()) + 1,
        body=text[end.end() :].lstrip("\n"),
        body_line=_body_line(text, end.end()),
    )


def _body_line(text: str, offset: int) -> int:
    stripped = len(text[offset:]) - len(text[offset:].lstrip("\n"))
    return text.count("\n", 0, offset + stripped) + 1


def _rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
