"""The leak check: find forbidden strings in built files, whatever escaping the format applied.

Each file is searched as written, HTML-unescaped, JSON-unescaped (then HTML-unescaped, as in a search
index) and URL-decoded; forbidden strings are also searched as slugs (how they would appear in a URL).
Matching is case-insensitive and on word boundaries, with one Aho-Corasick pass per view.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import ahocorasick

from playbookgen.results import Forbidden
from playbookgen.text import slugify

_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|[\"\\/bfnrt])")
_PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


class UnreadableSite(Exception):
    """A file or folder of the built site cannot be read, so the site cannot be checked."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class Leak:
    path: str
    found: str  # the text as it appears in the file's decoded form
    forbidden: Forbidden


class LeakScanner:
    def __init__(self, forbidden: Iterable[Forbidden]) -> None:
        self.automaton = ahocorasick.Automaton()
        self.empty = True
        forbidden = list(forbidden)
        # A JSON-escaped text is searched decoded only; its raw form can show more only for a string that
        # itself holds a backslash (never a name, but a retro title might).
        self.raw_json = any("\\" in item.text for item in forbidden)
        for item in forbidden:
            for variant in {item.text.casefold(), slugify(item.text)}:
                if len(variant) >= 3:
                    self.automaton.add_word(variant, (variant, item))
                    self.empty = False
        if not self.empty:
            self.automaton.make_automaton()

    def scan(self, path: str, text: str) -> list[Leak]:
        if self.empty:
            return []
        leaks: dict[str, Leak] = {}
        for view in _views(text, self.raw_json):
            folded = view.casefold()
            if len(folded) != len(view):  # rare: case folding changed lengths; search the folded text alone
                view = folded
            for end, (variant, item) in self.automaton.iter(folded):
                start = end - len(variant) + 1
                if _is_word(folded, start, end) and item.text not in leaks:
                    leaks[item.text] = Leak(path, view[start : end + 1], item)
        return list(leaks.values())


def scan_tree(folder: Path, forbidden: Iterable[Forbidden]) -> list[Leak]:
    """Every leak in every file below `folder` (binary files are searched as Latin-1 text); UnreadableSite
    when a file or folder cannot be read.

    A built site repeats the theme's lines (header, navigation, icons) on every page, so each file is
    searched only in the lines no earlier clean file had. A forbidden string never spans lines (it is a
    name: no newline), so this finds what a whole-file search finds; a file with a leak is searched in
    all its lines, and they are not remembered, so every file that repeats a leaking line is reported too.
    New lines are searched in chunks, each decoded (JSON, URL) only where its escapes occur; a JSON file
    with percent-escapes (a search index on one line) is searched string by string, already decoded.
    """
    scanner = LeakScanner(forbidden)
    if scanner.empty:
        return []
    leaks: list[Leak] = []
    clean: set[str] = set()
    base = os.path.join(folder, "")
    for relative in _files(folder):
        try:
            with open(base + relative, "rb") as file:
                data = file.read()
            if relative.endswith(".gz"):
                data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt .gz: EOFError, zlib.error
            raise UnreadableSite(relative, getattr(exc, "strerror", None) or str(exc)) from None
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        units = _units(relative, text)
        fresh = set(units) - clean
        if not any(scanner.scan(relative, chunk) for chunk in _chunks(sorted(fresh))):
            clean |= fresh
            continue
        found: dict[str, Leak] = {}  # the whole file, searched the same way, for every leak it holds
        for chunk in _chunks(units):
            for leak in scanner.scan(relative, chunk):
                found.setdefault(leak.forbidden.text, leak)
        leaks.extend(found.values())
    return leaks


def _files(folder: Path) -> list[str]:
    """Every file below `folder` as a sorted relative posix path. scandir's cached entry types spare a
    stat per file (a site has thousands of pages). A symlinked file is read through its link; a dangling
    one, and a symlinked folder, are skipped. A folder that cannot be listed is an error: its files
    could not be checked."""
    found: list[str] = []
    pending = [("", os.fspath(folder))]
    while pending:
        prefix, here = pending.pop()
        try:
            with os.scandir(here) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((f"{prefix}{entry.name}/", entry.path))
                    elif entry.is_file():
                        found.append(prefix + entry.name)
        except OSError as exc:
            raise UnreadableSite(prefix, exc.strerror or str(exc)) from None  # "": the site folder itself
    return sorted(found)


def _units(relative: str, text: str) -> list[str]:
    """The parts of a file that a forbidden string cannot span: its lines, or a JSON file's strings."""
    if relative.endswith(".json") and _PERCENT_ESCAPE.search(text):
        try:
            return list(_json_strings(json.loads(text)))
        except (ValueError, RecursionError):
            pass
    return text.split("\n")


def _json_strings(document: object) -> Iterator[str]:
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            yield str(value)
        elif isinstance(value, dict):
            yield from (key for key in value if isinstance(key, str))
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _chunks(units: list[str], size: int = 1 << 16) -> Iterator[str]:
    """Units joined by newlines into texts of about `size` characters."""
    chunk: list[str] = []
    length = 0
    for unit in units:
        chunk.append(unit)
        length += len(unit) + 1
        if length >= size:
            yield "\n".join(chunk)
            chunk, length = [], 0
    if chunk:
        yield "\n".join(chunk)


def _views(text: str, raw_json: bool = True) -> list[str]:
    """The text as a reader, a JSON parser and a URL decoder would see it.

    HTML-unescaping only rewrites entities, so the unescaped view stands for the raw one too (except for
    the rare legacy entities written without ";"). Where JSON escapes occur, the decoded view stands for
    the raw one unless `raw_json` (a forbidden string with a backslash). The URL-decoded view exists only
    when percent-escapes occur.
    """
    json_view = (
        html.unescape(_JSON_ESCAPE.sub(_json_char, text)) if _JSON_ESCAPE.search(text) is not None else None
    )
    views = [] if json_view is not None and not raw_json else [html.unescape(text) if "&" in text else text]
    if json_view is not None:
        views.append(json_view)
    if _PERCENT_ESCAPE.search(text):
        views.append(unquote(text))
    return views


_JSON_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _json_char(match: re.Match[str]) -> str:
    escape = match.group(1)
    return chr(int(escape[1:], 16)) if escape[0] == "u" else _JSON_SIMPLE[escape]


def _is_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end + 1] if end + 1 < len(text) else " "
    return not before.isalnum() and not after.isalnum()
