"""Diagnostics as text for people, workflow commands for GitHub, or JSON for tools."""

from __future__ import annotations

import codecs
import json
import sys
from collections.abc import Iterable

from playbookgen.codes import code_of
from playbookgen.diagnostics import Diagnostic, Diagnostics, summary

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a warm run never needs it)
if TYPE_CHECKING:
    from typing import TextIO

FORMATS = ("text", "github", "json")
JSON_VERSION = 1


def count(number: int, noun: str) -> str:
    """'1 retro', '2 retros'."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def emit(diagnostics: Diagnostics, strict: bool, output: str = "text") -> bool:
    """Print every diagnostic and a summary; True when the run must fail.

    Text goes to stderr; github and json formats go to stdout (for CI to read), the summary to stderr.
    Through `say`, not click: a warm `generate` reports before click is imported (see entry.py).
    """
    ordered = diagnostics.sorted()
    if output == "json":
        say(as_json(ordered), sys.stdout)
    else:
        stream = sys.stderr if output == "text" else sys.stdout
        for line in as_github(ordered) if output == "github" else as_text(ordered):
            say(line, stream)
    if diagnostics:
        note = (
            " (--strict: warnings fail)" if strict and diagnostics.warnings and not diagnostics.errors else ""
        )
        say(f"{summary(diagnostics)}{note}", sys.stderr)
    return diagnostics.failed(strict)


# C0 and C1 control characters but tab and newline: a retro's key or file name must not reach a terminal or a
# CI log as an escape sequence (click.echo stripped ANSI codes from output that was not a terminal).
_CONTROLS = {code: f"\\x{code:02x}" for code in [*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]}


def say(text: str, stream: TextIO | None) -> None:
    """Write one line and flush, as click.echo did: nothing when the stream is closed (`2>&-`), UTF-8 when
    its encoding is ASCII (a C locale), and '?' for what another encoding cannot hold (not a traceback)."""
    if stream is None:
        return
    line = text.translate(_CONTROLS) + "\n"
    buffer = getattr(stream, "buffer", None)
    encoding = getattr(stream, "encoding", None) or "utf-8"
    if buffer is not None and codecs.lookup(encoding).name == "ascii":
        stream.flush()
        buffer.write(line.encode("utf-8", "replace"))  # '?' for a file name's undecodable bytes
    else:
        try:
            stream.write(line)
        except UnicodeEncodeError:
            if buffer is None:
                raise
            stream.flush()
            buffer.write(line.encode(encoding, "replace"))
    stream.flush()


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
    text = json.dumps({"version": JSON_VERSION, "diagnostics": items}, indent=2, ensure_ascii=False)
    return text.translate(_JSON_CONTROLS)


# json.dumps escapes C0 controls but leaves DEL and C1 raw: escaped the JSON way here, `say` would write them
# as \x7f, which is not JSON.
_JSON_CONTROLS = {code: f"\\u{code:04x}" for code in range(0x7F, 0xA0)}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
