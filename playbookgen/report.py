"""Diagnostics as text for people, workflow commands for GitHub, or JSON for tools."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

from playbookgen.codes import code_of
from playbookgen.diagnostics import Diagnostic, Diagnostics, summary

FORMATS = ("text", "github", "json")
JSON_VERSION = 1


def emit(diagnostics: Diagnostics, strict: bool, output: str = "text") -> bool:
    """Print every diagnostic and a summary; True when the run must fail.

    Text goes to stderr; github and json formats go to stdout (for CI to read), the summary to stderr.
    Plain print, not click: a warm `generate` reports before click is imported (see entry.py).
    """
    ordered = diagnostics.sorted()
    if output == "json":
        print(as_json(ordered), flush=True)
    else:
        stream = sys.stderr if output == "text" else sys.stdout
        for line in as_github(ordered) if output == "github" else as_text(ordered):
            print(line, file=stream, flush=True)
    if diagnostics:
        note = (
            " (--strict: warnings fail)" if strict and diagnostics.warnings and not diagnostics.errors else ""
        )
        print(f"{summary(diagnostics)}{note}", file=sys.stderr, flush=True)
    return diagnostics.failed(strict)


def as_text(diagnostics: Iterable[Diagnostic]) -> list[str]:
    return [d.format() for d in diagnostics]


def as_github(diagnostics: Iterable[Diagnostic]) -> list[str]:
    """GitHub Actions workflow commands: each problem is annotated on the pull request's diff."""
    lines = []
    for d in diagnostics:
        properties = [f"file={_property(d.path)}"]
        if d.line is not None:
            properties.append(f"line={d.line}")
        properties.append(f"title={_property(f'{code_of(d.code)} {d.code}')}")
        field = f"{d.field}: " if d.field else ""
        lines.append(f"::{d.level.value} {','.join(properties)}::{_data(field + d.message)}")
    return lines


def as_json(diagnostics: Iterable[Diagnostic]) -> str:
    """A stable, versioned shape: {"version": 1, "diagnostics": [{path, line, level, code, rule, field,
    message}]}. New keys may be added; existing ones keep their meaning."""
    items = [
        {
            "path": d.path,
            "line": d.line,
            "level": d.level.value,
            "code": code_of(d.code),
            "rule": d.code,
            "field": d.field,
            "message": d.message,
        }
        for d in diagnostics
    ]
    return json.dumps({"version": JSON_VERSION, "diagnostics": items}, indent=2, ensure_ascii=False)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
