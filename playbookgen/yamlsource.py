"""Safe YAML loading with line numbers for diagnostics (line lookups are lazy: only errors need them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _SafeLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The safe loader, except that an impossible date (2025-02-30) stays text for the validator to report."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    """A mapping; a key given twice is an error (YAML would silently keep the last value)."""
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {key_node.value!r} (first given on line "
                    f"{getattr(loader, 'first_line', 1) + seen[key_node.value]}); keep one",
                    key_node.start_mark,
                )
            seen[key_node.value] = key_node.start_mark.line
    return loader.construct_yaml_map(node)


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_SafeLoader.add_constructor("tag:yaml.org,2002:map", _mapping)


class YamlError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def load(text: str, first_line: int = 1) -> Any:
    """Parse YAML with the safe loader; errors carry the line in the enclosing file."""
    loader = _SafeLoader(text)
    loader.first_line = first_line  # type: ignore[attr-defined]
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark is not None else None
        problem = exc.problem or str(exc)
        context = ""
        if exc.context:
            started = exc.context_mark
            where = (
                f" that starts on line {first_line + started.line}" if started and started is not mark else ""
            )
            context = f" ({exc.context}{where})"
        raise YamlError(f"invalid YAML: {problem}{context}", line) from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise YamlError(f"invalid YAML: {exc}", None) from None
    finally:
        loader.dispose()


@dataclass
class LineMap:
    """Maps a field path such as ('deal', 'value') to its line in the file, composing YAML on demand."""

    text: str
    first_line: int = 1
    _root: yaml.Node | None = field(default=None, init=False, repr=False)
    _composed: bool = field(default=False, init=False, repr=False)

    def _node(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self.text, Loader=_SafeLoader)
            except yaml.YAMLError:
                self._root = None
        return self._root

    def line(self, path: Sequence[str | int] = ()) -> int:
        """The line of the deepest part of `path` that exists (the key's line for a mapping entry)."""
        node = self._node()
        best = self.first_line
        if node is None:
            return best
        best = self.first_line + node.start_mark.line
        for part in path:
            if isinstance(node, yaml.MappingNode):
                match = next(((k, v) for k, v in node.value if k.value == part), None)
                if match is None:
                    return best
                key, node = match
                best = self.first_line + key.start_mark.line
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
                best = self.first_line + node.start_mark.line
            else:
                return best
        return best
