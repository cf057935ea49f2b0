"""Warm runs: when no input changed since the last generate, skip the pipeline entirely.

The fingerprint hashes everything a build depends on: the retros, site_config/, templates/ and pages/
(every file, folder and symlink target), mkdocs.yml, playbookgen's own code and defaults, the Python
version and the installed distributions, the audience and the reference date. It is stored with what a
build needs afterwards (diagnostics, navigation, the leak check's forbidden strings, the size and time of
each file written) in a dot-file of the generated folder, which MkDocs does not publish.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from datetime import date
from pathlib import Path

from playbookgen.diagnostics import Diagnostic, Diagnostics, Level
from playbookgen.layout import Layout

try:  # hashlib's own BLAKE2: `import hashlib` loads OpenSSL, 2.5 ms of a 25-30 ms warm run
    from _blake2 import blake2b
except ImportError:  # another Python implementation
    from hashlib import blake2b

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
    digest = blake2b(f"{audience or ''}\0{day.isoformat()}\0{sys.version}\0".encode(), digest_size=32)
    digest.update(_installed())
    package, root = os.fspath(_PACKAGE), os.fspath(layout.root)
    for base, name in [(package, ""), *((root, folder) for folder in _INPUT_FOLDERS)]:
        for record in _records(base, name):
            digest.update(record)
    digest.update(_record("mkdocs.yml", _content(os.fspath(layout.mkdocs_yml))))
    return digest.hexdigest()


def _installed() -> bytes:
    """The installed distributions by name and version (their dist-info folders): upgrading Jinja2,
    pydantic, PyYAML or MkDocs can change the pages, so it counts as a change."""
    names: list[str] = []
    for folder in sys.path:
        if os.path.basename(folder) in ("site-packages", "dist-packages"):
            try:
                names += sorted(n for n in os.listdir(folder) if n.endswith((".dist-info", ".egg-info")))
            except OSError:
                continue
    return "\0".join(names).encode("utf-8", "surrogateescape") + b"\0\0"


def _record(relative: str, content: bytes) -> bytes:
    """One entry of the digest: its path, then its content with the content's length before it (without
    the length, two different sets of files could feed the digest the same bytes)."""
    return relative.encode("utf-8", "surrogateescape") + b"\0" + len(content).to_bytes(8, "big") + content


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
    stamps: dict[str, tuple[int, int]],
    diagnostics: Diagnostics,
    view: AudienceView,
    nav: list[dict[str, Any]],
) -> bytes:
    """The cache document; `where` is place(layout, docs_dir) of the folder it is written to, `stamps`
    the size and modification time of every file written there (written before the cache itself)."""
    document = {
        "fingerprint": key,
        "docs_dir": where,
        "audience": view.audience,
        "retros": len(view.retros),
        "excluded": len(view.excluded),
        "stamps": {path: list(stamp) for path, stamp in stamps.items()},
        "nav": nav,
        "forbidden": [[f.text, f.reason] for f in view.forbidden],
        "diagnostics": [[d.path, d.line, d.field, d.message, d.level.value, d.code] for d in diagnostics],
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True).encode("utf-8")


def load(layout: Layout, docs_dir: Path, key: str) -> dict[str, Any] | None:
    """The cached run when the fingerprint matches, it was written for this docs_dir of this playbook (a
    folder outside the root may hold another playbook's cache), and the folder holds exactly the files
    that run wrote, each with the size and modification time it had then (an edited or added file in
    the docs folder is put right by a full run)."""
    try:
        document = json.loads((docs_dir / CACHE_FILE).read_text(encoding="utf-8"))
        if document.get("fingerprint") != key or document.get("docs_dir") != place(layout, docs_dir):
            return None
        if file_stamps(docs_dir) != document["stamps"]:
            return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    document["diagnostics"] = Diagnostics(
        Diagnostic(path, line, field, message, Level(level), code)
        for path, line, field, message, level, code in document["diagnostics"]
    )
    return document


def file_stamps(folder: Path) -> dict[str, list[int]]:
    """[size, mtime_ns] of every file below `folder` by relative posix path, leaving out dot-files and
    dot-folders (the cache, publish's marker; MkDocs does not publish them either); [-1, -1] for anything
    that is not a regular file (a symlink is not a file playbookgen writes)."""
    found: dict[str, list[int]] = {}
    _stamps(os.fspath(folder), "", found)
    return found


def _stamps(folder: str, prefix: str, found: dict[str, list[int]]) -> None:
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                _stamps(entry.path, prefix + entry.name + "/", found)
            else:
                info = entry.stat(follow_symlinks=False)
                stamp = [info.st_size, info.st_mtime_ns] if stat.S_ISREG(info.st_mode) else [-1, -1]
                found[prefix + entry.name] = stamp


def _records(base: str, name: str) -> list[bytes]:
    """Every folder, symlink and file below base/name as digest records, by relative posix path from
    `base`, without __pycache__: a folder by its path (an empty one too: its name alone can be an error),
    a symlink by where it leads (re-pointed, or moved outside the root, is a change), a file by its path
    and content. Under templates/ a symlinked folder is read as well, since Jinja follows it: once per
    fingerprint (a folder reached again is recorded by where it is), and never one that holds the
    playbook. Elsewhere the pipeline does not follow folder links, so neither does this. Plain strings,
    os.scandir and a stack: this runs on every warm start, and a tree may be deeper than recursion."""
    records: list[bytes] = []
    follow = name == "templates"
    start = os.path.join(base, name) if name else base
    root = os.path.realpath(base) + os.sep
    seen: set[tuple[int, int]] = set()
    stack = [(start, name + "/" if name else "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            info = os.stat(folder)
            if (info.st_dev, info.st_ino) in seen:
                records.append(_record(prefix, b"again: " + os.fsencode(os.path.realpath(folder))))
                continue
            seen.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as found:
                entries = sorted(found, key=lambda entry: entry.name)
        except OSError as exc:
            records.append(_record(prefix, f"unreadable folder: {exc.errno}".encode()))
            continue
        below: list[tuple[str, str]] = []
        for entry in entries:
            relative = prefix + entry.name
            if entry.name in ("__pycache__", CACHE_FILE) or entry.name.endswith(".pyc"):
                continue  # the cache: a template folder linked to the docs folder must not see it change
            linked = entry.is_symlink()
            if linked:
                target = os.path.realpath(entry.path)
                records.append(_record(relative + " ->", os.fsencode(target)))
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            if not is_folder:
                records.append(_record(relative, _content(entry.path)))
            elif not linked or (follow and not root.startswith(target.rstrip(os.sep) + os.sep)):
                records.append(_record(relative + "/", b""))
                below.append((entry.path, relative + "/"))
        stack += reversed(below)  # depth first, in name order
    return records
