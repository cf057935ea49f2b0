"""yamlsource builds plain documents itself (faster); the result must be PyYAML's safe constructor's, to
the type of every value and the wording of every error."""

from __future__ import annotations

import datetime
import gc
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from playbookgen import yamlsource
from playbookgen.yamlsource import YamlError, load

REPO = Path(__file__).resolve().parent.parent

# Plain scalars that YAML 1.1 resolves to something other than text, or nearly does.
TRICKY = [
    "yes", "No", "on", "OFF", "y", "~", "null", "Null", "", "true", "False",
    "0", "-0", "017", "0o17", "0x1F", "0b101", "1_000", "+12", "1:30", "190:20:30", "12e3", "1.5e3",
    "3.", ".5", ".inf", "-.Inf", ".NaN", "1__0", "0x", "9" * 120,
    "2025-03-01", "2025-02-30", "2025-3-1", "2025-03-01T10:00:00Z", "2025-03-01 10:00:00.5 +02:00",
    "=", "<<", "plain text", "a: b", "#x", "-", "'quoted'", '"dq"', "€uro", "tab\tinside",
    "!!bool maybe", "!!int x", "!!int ''", "!!float ''", "!!timestamp soon", "!!str 1", "&a 1", "*a",
]  # fmt: skip


def typed(value: Any) -> Any:
    """The value with every type spelled out: 1 == True == 1.0 in Python, not in a retro."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)


def full(text: str) -> Any:
    """What PyYAML's own constructor makes of the text (the fast path switched off)."""
    with mock.patch.object(yamlsource, "_construct", side_effect=yamlsource._NeedsFullConstructor):
        return outcome(text)


def outcome(text: str) -> Any:
    try:
        return typed(load(text))
    except YamlError as exc:
        return ("error", exc.message, exc.line)


def same(text: str) -> None:
    assert outcome(text) == full(text), text


def test_every_sample_and_test_retro_is_built_as_pyyaml_builds_it():
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "retros").rglob("*.md"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "tests").rglob("*.md"))]
    front = [t.split("---\n", 2)[1] for t in texts if t.startswith("---\n") and t.count("---\n") >= 2]
    assert len(front) > 15
    for text in front:
        same(text)


@pytest.mark.parametrize("scalar", TRICKY)
def test_each_tricky_scalar_as_value_key_and_item(scalar):
    quoted = scalar.replace("'", "''")
    for text in (f"k: {scalar}\n", f"{scalar}: v\n", f"- {scalar}\n", f"k: '{quoted}'\n", f"k: [{scalar}]\n"):
        same(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\na: 2\n",  # a duplicate key: PyYAML's message, through our constructor
        "? [a, b]\n: c\n",  # an unhashable key
        "? {a: b}\n: c\n",
        "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",  # a merge key
        "a: &l [1, 2]\nb: *l\nc: *l\n",  # aliases
        "a: &m {k: v}\nb: [*m, *m]\n",
        "s: !!set {a, b}\n",
        "o: !!omap [{a: 1}, {b: 2}]\n",
        "p: !!pairs [{a: 1}, {a: 2}]\n",
        "b: !!binary aGVsbG8=\n",
        "x: !!python/object/apply:os.system ['true']\n",
        "x: !custom 1\n",
        "x: !!str 12\n",
        "x: !!int '12'\n",
        "x: !!float '1'\n",
        "x: !!str [a]\n",  # a tag on the wrong kind of node
        "x: !!map [a]\n",
        "x: !!seq {a: b}\n",
        "x: !!timestamp 2025-02-30\n",
        "x: !!bool maybe\n",
        "x: !!null ''\n",
        "= : v\n",
        "",
        "# only a comment\n",
        "just text\n",
        "- a\n- b: c\n  d: [e, {f: g}]\n",
        "k: >-\n  folded\n  text\n",
        "k: |\n  literal\n  text\n",
        # Two errors: PyYAML reports the one it meets first (duplicate keys before values, breadth first).
        "a: !!bool maybe\na: 1\n",
        "a: {c: !!int x}\nb: !!bool y\n",
        "- [!!int x]\n- !!float y\n",
        "x: !!int _\n",
        "x: !!timestamp soon\n",
        "notes: " + "[" * 400 + "]" * 400 + "\n",  # deeper than the fast path recurses; libyaml allows it
    ],
)
def test_documents_that_need_pyyaml_or_look_like_they_might(text):
    same(text)


def test_an_alias_gives_the_same_object_as_in_pyyaml():
    data = load("a: &l [1, 2]\nb: *l\nc: &d 2025-01-01\nd: *d\n")
    assert data["a"] is data["b"] and data["c"] is data["d"]


def test_deeply_nested_front_matter_loads():
    """The fast path recurses; past Python's limit PyYAML's constructor takes over instead of an error."""
    value = load("notes: " + "[" * 400 + "]" * 400 + "\n")["notes"]
    depth = 1
    while value != []:
        assert len(value) == 1
        value, depth = value[0], depth + 1
    assert depth == 400


SCALARS = st.sampled_from(TRICKY) | st.text(alphabet="ab:- #'\"01.x", max_size=6)


@st.composite
def documents(draw: st.DrawFn, depth: int = 0) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        key = draw(SCALARS).replace("\n", " ")
        style = draw(st.sampled_from(["plain", "quoted", "flow", "nested"] if depth < 2 else ["plain"]))
        if style == "plain":
            value = draw(SCALARS)
        elif style == "quoted":
            value = "'" + draw(SCALARS).replace("'", "''") + "'"
        elif style == "flow":
            value = "[" + ", ".join(draw(st.lists(SCALARS, max_size=3))) + "]"
        else:
            inner = draw(documents(depth + 1))
            value = "\n" + "".join(f"  {line}\n" for line in inner.splitlines())
        lines.append(f"{key}: {value}".rstrip(" ") if style != "nested" else f"{key}:{value}".rstrip("\n"))
    return "\n".join(lines) + "\n"


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(documents())
def test_generated_documents_are_built_as_pyyaml_builds_them(text):
    same(text)


def test_dates_and_numbers_keep_their_types():
    data = load("d: 2025-03-01\nn: 1_000\nf: 1.5\nb: yes\nz: ~\nt: '2025-03-01'\n")
    assert data == {"d": datetime.date(2025, 3, 1), "n": 1000, "f": 1.5, "b": True, "z": None, "t": "2025-03-01"}
    assert type(data["n"]) is int and type(data["b"]) is bool


def test_loading_leaves_no_garbage_for_the_cyclic_collector():
    """generate pauses the cyclic collector: a document whose loading left a reference cycle (a recursive
    closure did) would keep its data alive to the end of the run (+140 MB at 5,000 retros)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "retros").rglob("*.md"))]
    front = [t.split("---\n", 2)[1] for t in texts if t.startswith("---\n") and t.count("---\n") >= 2]
    gc.collect()
    gc.disable()
    try:
        for text in [*front, "a: &l [1, {b: 2}]\nc: *l\n"]:
            load(text)
        assert gc.collect() == 0
    finally:
        gc.enable()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x: !!map [a]\n", "invalid YAML: expected a mapping node, but found sequence"),
        ("x: !!map ab\n", "invalid YAML: expected a mapping node, but found scalar"),
        ("x: !!int [" + "1," * 101 + "]\n", "invalid YAML: expected a scalar node, but found sequence"),
        ("a: 1\nb: x\x01y\n", "invalid YAML: unacceptable character #x0001 (control characters are not allowed)"),
    ],
)
def test_a_node_of_the_wrong_kind_or_a_control_character_is_an_error_on_its_line(text, message):
    """These came out as 'cannot unpack non-iterable ScalarNode object' without a line, as a text of node
    reprs, and as an offset into the front matter instead of a line."""
    with pytest.raises(YamlError) as caught:
        load(text, first_line=5)
    assert caught.value.message.startswith(message)
    expected = 5 + text[: text.index("\x01")].count("\n") if "\x01" in text else 5
    assert caught.value.line == expected


def test_the_sample_takes_the_fast_path():
    """A fallback is silent by design (PyYAML decides), so a fast path that stopped working would only
    show as time: every sample retro must be built without PyYAML's constructor."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "retros").rglob("*.md"))]
    front = [t.split("---\n", 2)[1] for t in texts if t.startswith("---\n") and t.count("---\n") >= 2]
    with mock.patch.object(yamlsource._SafeLoader, "construct_document", side_effect=AssertionError("slow")):
        for text in front:
            load(text)


REFERENCE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same parser, PyYAML's own resolver


def _tags(text: str, loader: type) -> list[str]:
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return ["error"]
    tags, stack = [], [root]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        tags.append(node.tag)
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
    return tags


@settings(max_examples=400, derandomize=True, database=None, deadline=None)
@given(documents())
def test_every_node_gets_the_tag_pyyaml_resolves(text):
    """yamlsource resolves implicit tags with its own lookup table (faster); PyYAML's resolver decides."""
    assert _tags(text, yamlsource._SafeLoader) == _tags(text, REFERENCE_LOADER), text


@pytest.mark.parametrize("scalar", TRICKY)
def test_each_tricky_scalar_gets_the_tag_pyyaml_resolves(scalar):
    for text in (f"k: {scalar}\n", f"{scalar}: v\n", f"- {scalar}\n", f"k: [{scalar}, '{scalar}']\n"):
        assert _tags(text, yamlsource._SafeLoader) == _tags(text, REFERENCE_LOADER), text
