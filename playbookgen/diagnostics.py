"""Problems as values: every check appends diagnostics; the caller reports them together."""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable
from enum import Enum


class Level(str, Enum):
    ERROR = "error"
    WARNING = "warning"


_Fields = namedtuple("_Fields", "path line field message level code", defaults=(Level.ERROR, "invalid"))


class Diagnostic(_Fields):
    """One problem: `path` (relative to the playbook root), `line` (or None), `field` (a dotted front
    matter path, or None), `message`, `level` and `code` (the rule's name, see codes.py).

    A named tuple rather than a dataclass: importing dataclasses (and with it inspect) costs 5 ms, an
    eighth of a warm run, which needs this class to report the cached diagnostics again."""

    __slots__ = ()
    path: str
    line: int | None
    field: str | None
    message: str
    level: Level
    code: str

    def format(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        field = f"{self.field}: " if self.field else ""
        return f"{where}: {self.level.value}: {field}{self.message}"

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line or 0, self.field or "", self.message)


class Diagnostics(list[Diagnostic]):
    """An ordered collection of diagnostics with small helpers for the checks that fill it."""

    def error(
        self, path: str, line: int | None, field: str | None, message: str, code: str = "invalid"
    ) -> None:
        self.append(Diagnostic(path, line, field, message, Level.ERROR, code))

    def warning(
        self, path: str, line: int | None, field: str | None, message: str, code: str = "invalid"
    ) -> None:
        self.append(Diagnostic(path, line, field, message, Level.WARNING, code))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self if d.level is Level.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self if d.level is Level.WARNING]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Diagnostic]:
        return sorted(self, key=Diagnostic.sort_key)


def summary(diagnostics: Iterable[Diagnostic]) -> str:
    items = list(diagnostics)
    errors = sum(1 for d in items if d.level is Level.ERROR)
    warnings = len(items) - errors
    files = len({d.path for d in items})
    if not items:
        return "no problems found"
    plural = "s" if files != 1 else ""
    return f"{errors} error(s), {warnings} warning(s) in {files} file{plural}"
