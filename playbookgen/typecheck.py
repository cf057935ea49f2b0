"""Run a pydantic model over YAML data and turn its errors, and unknown keys, into diagnostics."""

from __future__ import annotations

import functools
from typing import Annotated, Any, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from playbookgen.diagnostics import Diagnostics
from playbookgen.text import describe, did_you_mean
from playbookgen.yamlsource import LineMap

M = TypeVar("M", bound=BaseModel)


def field_path(loc: tuple[str | int, ...] | list[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check_model(
    model: type[M],
    data: dict[str, Any],
    path: str,
    lines: LineMap,
    diagnostics: Diagnostics,
    expected: dict[str, str],
) -> M | None:
    """Validate `data`; report type errors (with `expected` hints per field path) and unknown keys."""
    warn_unknown_keys(model, data, (), path, lines, diagnostics)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = tuple(error["loc"])
            name = field_path(loc)
            diagnostics.error(
                path,
                lines.line(loc),
                name,
                _message(error, name, expected),
                "missing-field" if error["type"] == "missing" else "wrong-type",
            )
        return None


def _message(error: Any, name: str, expected: dict[str, str]) -> str:
    kind = error["type"]
    hint = expected.get(name)
    if kind == "missing":
        return f"required field is missing{f'; expected {hint}' if hint else ''}"
    if kind == "value_error":
        message = str(error["ctx"]["error"])
        return f"{message}{f' (expected {hint})' if hint and 'expected' not in message else ''}"
    got = describe(error.get("input"))
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"expected {hint or 'a mapping of keys'}, got {got}"
    if kind == "list_type":
        return f"expected {hint or 'a list'}, got {got}"
    return f"{error['msg']}, got {got}{f' (expected {hint})' if hint else ''}"


def warn_unknown_keys(
    model: type[BaseModel],
    data: Any,
    loc: tuple[str | int, ...],
    path: str,
    lines: LineMap,
    diagnostics: Diagnostics,
) -> None:
    if not isinstance(data, dict):
        return
    fields = model.model_fields
    for key, value in data.items():
        where = (*loc, key)
        if key not in fields:
            guess = did_you_mean(str(key), fields)
            hint = f"did you mean {guess!r}? " if guess else ""
            diagnostics.warning(
                path,
                lines.line(where),
                field_path(where),
                f"unknown key {str(key)!r} is ignored; {hint}known keys: {', '.join(fields)}",
                "unknown-key",
            )
            continue
        for nested in _nested_models(model, key):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    warn_unknown_keys(nested, item, (*where, i), path, lines, diagnostics)
            else:
                warn_unknown_keys(nested, value, where, path, lines, diagnostics)


@functools.cache
def _nested_models(model: type[BaseModel], key: str) -> list[type[BaseModel]]:
    """The models inside a field's type (cached: typing introspection per key per file adds up)."""
    return _models_in(model.model_fields[key].annotation)


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if get_origin(annotation) is Annotated:
        return _models_in(get_args(annotation)[0])
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]
