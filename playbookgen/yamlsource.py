"""Safe YAML loading with line numbers for diagnostics (line lookups are lazy: only errors need them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"


class _SafeLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """The C safe loader: plain data only (unknown tags are errors), duplicate keys are errors, and an
    impossible date (2025-02-30) stays text for the validator to report."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:  # an impossible date such as 2025-02-30: text, for the validator to report
        return loader.construct_scalar(node)
    except AttributeError:  # `!!timestamp soon`: PyYAML's pattern did not match at all
        raise _not_valid(node, "timestamp") from None


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    """A mapping; a key given twice is an error (YAML would silently keep the last value)."""
    seen: dict[Any, int] = {}
    for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else ():  # `!!map [a]`: PyYAML says
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


def _refuse_tag(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    """Any tag the safe loader does not know (!!python/object, !custom ...) is refused, never constructed."""
    tag = node.tag.replace("tag:yaml.org,2002:", "!!", 1)
    raise yaml.constructor.ConstructorError(
        None,
        None,
        f"the tag {tag!r} is not allowed: only plain data (text, numbers, dates, lists, mappings); "
        "remove the tag",
        node.start_mark,
    )


_MAX_INT_CHARACTERS = 100


def _integer(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """An integer; an absurdly long one stays text (Python cannot print ints over 4,300 digits), so the
    validator reports it as a value of the wrong kind instead of crashing on it."""
    if isinstance(node.value, str) and len(node.value) > _MAX_INT_CHARACTERS:
        return f"{node.value[:40]}... ({len(node.value)} characters)"
    return _tagged(loader, node, "int", yaml.constructor.SafeConstructor.construct_yaml_int)


def _tagged(loader: yaml.SafeLoader, node: yaml.ScalarNode, kind: str, construct: Any) -> Any:
    """A scalar that an explicit tag (`!!bool maybe`, `!!int 1x`) makes impossible is an error on its line,
    not an exception from deep inside PyYAML."""
    try:
        return construct(loader, node)
    except (KeyError, ValueError, IndexError):  # IndexError: `!!int ''`, `!!float ''`
        raise _not_valid(node, kind) from None


def _not_valid(node: yaml.ScalarNode, kind: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(
        None,
        None,
        f"{node.value!r} is not a valid !!{kind}; remove the tag to keep the value as text",
        node.start_mark,
    )


def _boolean(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    return _tagged(loader, node, "bool", yaml.constructor.SafeConstructor.construct_yaml_bool)


def _float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    return _tagged(loader, node, "float", yaml.constructor.SafeConstructor.construct_yaml_float)


def _implicit_resolvers_by_first_character() -> dict[str, tuple[tuple[str, Any], ...]]:
    table = _SafeLoader.yaml_implicit_resolvers
    wildcard = table.get(None, [])
    return {first: tuple(resolvers + wildcard) for first, resolvers in table.items() if first is not None}


_BY_FIRST_CHARACTER = _implicit_resolvers_by_first_character()
_ONLY_WILDCARD = tuple(_SafeLoader.yaml_implicit_resolvers.get(None, []))


def _resolve(self: Any, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
    """PyYAML's BaseResolver.resolve for a loader without path resolvers (the safe loader has none), with
    the implicit resolvers looked up once per first character: the C composer calls this for every node
    (about 80 per retro), and most scalars start with a letter no implicit type does."""
    if kind is yaml.ScalarNode:
        if implicit[0]:
            for tag, regexp in _BY_FIRST_CHARACTER.get(value[:1], _ONLY_WILDCARD):  # type: ignore[index]
                if regexp.match(value):
                    return tag
        return _STR
    return _SEQ if kind is yaml.SequenceNode else _MAP


if not _SafeLoader.yaml_path_resolvers:
    _SafeLoader.resolve = _resolve

_SafeLoader.add_constructor("tag:yaml.org,2002:int", _integer)
_SafeLoader.add_constructor("tag:yaml.org,2002:bool", _boolean)
_SafeLoader.add_constructor("tag:yaml.org,2002:float", _float)
_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_SafeLoader.add_constructor("tag:yaml.org,2002:map", _mapping)
_SafeLoader.add_constructor(None, _refuse_tag)

MAX_ALIAS_NODES = 10_000  # how many nodes aliases ('*name') may add to a document once expanded
_SATURATED = 2**62  # sizes stop growing here: only the comparison with the limit matters


_SCALARS = {_TAG + name for name in ("null", "bool", "int", "float", "timestamp")}
_SPECIAL_KEYS = {_TAG + "merge", _TAG + "value"}  # '<<' and '=': PyYAML's flatten_mapping handles them


class _NeedsFullConstructor(Exception):
    """The document uses something `_construct` leaves to PyYAML: other tags, merge keys, a duplicate or
    unhashable key (whose errors PyYAML words)."""


def _construct(loader: yaml.SafeLoader, root: yaml.Node) -> Any:
    """The plain data of a composed document, as PyYAML's safe constructor builds it, for documents made
    of text, numbers, booleans, nulls, dates, lists and mappings (retros are): scalars go through the
    same constructors; lists and mappings are built directly, without the general constructor's
    per-node bookkeeping (twice as fast over a retro's front matter). An alias gives the same object,
    as in PyYAML. Anything else raises _NeedsFullConstructor, and PyYAML constructs the document; so does
    any error (PyYAML reports the first one in its own order) and nesting too deep to recurse into."""
    return _build(root, loader, {})


def _build(node: yaml.Node, loader: yaml.SafeLoader, built: dict[int, Any]) -> Any:
    """One node; `built` holds what was built by node, for aliases. A plain function, not a closure:
    a recursive closure is a reference cycle, which would keep every document's data alive until the
    cyclic collector runs (generate pauses it: +140 MB at 5,000 retros)."""
    tag, kind = node.tag, type(node)
    if kind is yaml.ScalarNode and tag == _STR:
        return node.value
    if id(node) in built:
        return built[id(node)]
    if kind is yaml.ScalarNode:
        if tag not in _SCALARS:
            raise _NeedsFullConstructor
        value = built[id(node)] = loader.yaml_constructors[tag](loader, node)
        return value
    if kind is yaml.SequenceNode and tag == _SEQ:
        items: list[Any] = []
        built[id(node)] = items
        items.extend(_build(child, loader, built) for child in node.value)
        return items
    if kind is yaml.MappingNode and tag == _MAP:
        mapping: dict[Any, Any] = {}
        built[id(node)] = mapping
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag in _SPECIAL_KEYS:
                raise _NeedsFullConstructor
            if type(key_node) is yaml.ScalarNode:
                if key_node.value in seen:
                    raise _NeedsFullConstructor
                seen.add(key_node.value)
            key = _build(key_node, loader, built)
            try:
                mapping[key] = _build(value_node, loader, built)
            except TypeError:  # an unhashable key
                raise _NeedsFullConstructor from None
        return mapping
    raise _NeedsFullConstructor


class YamlError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def load(text: str, first_line: int = 1) -> Any:
    """Parse YAML with the safe loader; errors carry the line in the enclosing file.

    The node graph is composed first and alias bombs are refused before any value is constructed.
    """
    loader = _SafeLoader(text)
    loader.first_line = first_line  # type: ignore[attr-defined]
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text:
            _check_aliases(node, first_line)
        try:
            return _construct(loader, node)
        except Exception:  # any doubt, an error included: PyYAML decides, in its own order and words
            return loader.construct_document(node)
    except yaml.reader.ReaderError as exc:  # no mark, only an offset into the front matter
        raise YamlError(
            f"invalid YAML: unacceptable character #x{exc.character:04x} ({exc.reason}); remove it",
            first_line + text.count("\n", 0, exc.position),
        ) from None
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
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise YamlError(f"invalid YAML: {exc}", None) from None
    finally:
        loader.dispose()


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _expanded_sizes(root: yaml.Node, first_line: int) -> list[tuple[yaml.Node, int]]:
    """Every distinct node with how many nodes it stands for once aliases are expanded, innermost first
    in the order written: a memoised, iterative walk of the composed graph (nothing is expanded)."""
    sizes: dict[int, int] = {}
    order: list[tuple[yaml.Node, int]] = []
    path: set[int] = set()  # the nodes being walked: meeting one again means an alias refers to itself
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            path.discard(key)
            sizes[key] = min(_SATURATED, 1 + sum(sizes[id(child)] for child in _children(node)))
            order.append((node, sizes[key]))
        elif key in path:
            raise YamlError(
                "recursive YAML alias: an alias ('*name') is used inside its own anchor ('&name'); "
                "write the value out instead",
                first_line + node.start_mark.line,
            )
        elif key not in sizes:
            path.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(_children(node)))
    return order


def _check_aliases(root: yaml.Node, first_line: int) -> None:
    """Refuse alias bombs ("billion laughs") before anything is constructed from the node graph."""
    order = _expanded_sizes(root, first_line)
    total = order[-1][1]
    added = total - len(order)
    if added <= MAX_ALIAS_NODES:
        return
    line = next(first_line + node.start_mark.line for node, size in order if size > MAX_ALIAS_NODES)
    shown = f"{added:,}" if total < _SATURATED else "more than 10^18"
    raise YamlError(
        f"too many YAML aliases: expanding them would add {shown} nodes (limit {MAX_ALIAS_NODES:,}); "
        "write the values out instead of repeating anchors ('&name') through aliases ('*name')",
        line,
    )


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
