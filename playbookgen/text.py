"""Small text helpers shared by validation and rendering: slugs, folding, suggestions."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_FOLD_SEPARATORS = re.compile(r"[\s_\-/]+")


def is_slug(value: str) -> bool:
    return bool(SLUG_RE.match(value))


def slugify(value: str) -> str:
    """`2025-03-07 Falcon` -> `2025-03-07-falcon`; accents are dropped, not the letters."""
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", ascii_text.lower()).strip("-")


def fold(value: str) -> str:
    """The matching key for taxonomy values: case-insensitive; spaces, `_`, `-` and `/` are alike."""
    return _FOLD_SEPARATORS.sub(" ", value.strip().casefold()).strip()


def did_you_mean(value: str, candidates: Iterable[str]) -> str | None:
    choices = list(candidates)
    matches = difflib.get_close_matches(fold(value), [fold(c) for c in choices], n=1, cutoff=0.6)
    if not matches:
        return None
    folded = [fold(c) for c in choices]
    return choices[folded.index(matches[0])]


def describe(value: object) -> str:
    """A short, quoted rendering of a bad value for error messages."""
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing"
    if isinstance(value, list):
        return f"a list ({len(value)} item{'s' if len(value) != 1 else ''})"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)
