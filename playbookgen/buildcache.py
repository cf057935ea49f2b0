"""Warm runs: when no input changed since the last generate, skip the pipeline entirely.

The fingerprint hashes everything a build depends on (the retros, site_config/, templates/, pages/,
mkdocs.yml, playbookgen's own code and defaults, the audience and the reference date). It is stored with
what a build needs afterwards (diagnostics, navigation, the leak check's forbidden strings, file sizes) in
a dot-file of the generated folder, which MkDocs does not publish.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import date
from pathlib import Path

from playbookgen.diagnostics import Diagnostic, Diagnostics, Level
from playbookgen.layout import Layout

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a warm run never needs it)
if TYPE_CHECKING:
    from typing import Any

    from playbookgen.results import AudienceView

CACHE_FILE = ".playbookgen-cache.json"
_PACKAGE = Path(__file__).resolve().parent
_INPUT_FOLDERS = ("retros", "site_config", "templates", "pages")


_HANDED_OVER: dict[tuple[Path, str | None, date], str] = {}


def hand_over(layout: Layout, audience: str | None, day: date, key: str) -> None:
    """Keep a fingerprint for the next `fingerprint` call with the same arguments, once: the console entry
    point computed it for a warm run that missed, and click's generate would compute it again (60 ms at
    5,000 retros). Only a process that ends after that one command may hand one over."""
    _HANDED_OVER[layout.root, audience, day] = key


def fingerprint(layout: Layout, audience: str | None, day: date) -> str:
    handed = _HANDED_OVER.pop((layout.root, audience, day), None)
    if handed is not None:
        return handed
    digest = hashlib.sha256(f"{audience or ''}\0{day.isoformat()}\0".encode())
    package, root = os.fspath(_PACKAGE), os.fspath(layout.root)
    for base, name in [(package, ""), *((root, folder) for folder in _INPUT_FOLDERS)]:
        for relative in _files(base, name):
            digest.update(relative.encode("utf-8", "surrogateescape") + b"\0")
            digest.update(_content(os.path.join(base, relative)))
    digest.update(b"mkdocs.yml\0" + _content(os.fspath(layout.mkdocs_yml)))
    return digest.hexdigest()


_LARGE = 16 << 20  # larger inputs (never a retro: those stop at 1 MiB) count by size and time, unread


def _content(path: str) -> bytes:
    """What a file contributes to the fingerprint. It is opened without blocking (a named pipe would
    wait for a writer forever) and read only when it is a regular file of a sane size; anything else
    counts as a change and is left to the pipeline to report."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        return f"unreadable: {exc.errno}".encode()
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # a folder opens too, on Linux
            return f"not a regular file: {stat.S_IFMT(info.st_mode)}".encode()
        if info.st_size > _LARGE:  # ctime and inode too: `touch -r` can put an mtime back, not a ctime
            return f"large: {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns} {info.st_ino}".encode()
        with open(fd, "rb", closefd=False) as file:
            return file.read()
    except OSError as exc:
        return f"unreadable: {exc.errno}".encode()
    finally:
        os.close(fd)


def place(layout: Layout, docs_dir: Path) -> str:
    """docs_dir as the cache records it: relative to the playbook root, both with symlinks resolved (a
    `link/..` in the setting is where the link leads, not where the text says)."""
    return os.path.relpath(os.path.realpath(docs_dir), os.path.realpath(layout.root)).replace(os.sep, "/")


def encode(
    key: str,
    where: str,
    files: dict[str, bytes],
    diagnostics: Diagnostics,
    view: AudienceView,
    nav: list[dict[str, Any]],
) -> bytes:
    """The cache document; `where` is place(layout, docs_dir) of the folder it is written to."""
    document = {
        "fingerprint": key,
        "docs_dir": where,
        "audience": view.audience,
        "retros": len(view.retros),
        "excluded": len(view.excluded),
        "sizes": {path: len(content) for path, content in files.items()},
        "nav": nav,
        "forbidden": [[f.text, f.reason] for f in view.forbidden],
        "diagnostics": [[d.path, d.line, d.field, d.message, d.level.value, d.code] for d in diagnostics],
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")


def load(layout: Layout, docs_dir: Path, key: str) -> dict[str, Any] | None:
    """The cached run when the fingerprint matches, it was written for this docs_dir of this playbook (a
    folder outside the root may hold another playbook's cache), and every generated file is there with
    its size."""
    try:
        document = json.loads((docs_dir / CACHE_FILE).read_text(encoding="utf-8"))
        if document.get("fingerprint") != key or document.get("docs_dir") != place(layout, docs_dir):
            return None
        for path, size in document["sizes"].items():
            if (docs_dir / path).stat().st_size != size:
                return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    document["diagnostics"] = Diagnostics(
        Diagnostic(path, line, field, message, Level(level), code)
        for path, line, field, message, level, code in document["diagnostics"]
    )
    return document


def _files(base: str, name: str) -> list[str]:
    """The files below base/name as sorted relative posix paths from `base` (plain strings: this runs on
    every warm start), without __pycache__."""
    found: list[str] = []
    start = os.path.join(base, name) if name else base
    for here, folders, names in os.walk(start, followlinks=False):
        folders[:] = sorted(n for n in folders if n != "__pycache__")
        prefix = os.path.relpath(here, base).replace(os.sep, "/") + "/" if here != base else ""
        found += [prefix + n for n in sorted(names) if not n.endswith(".pyc")]
    return found
