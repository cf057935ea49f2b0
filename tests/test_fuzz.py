"""Fuzzing load/validate/generate: nothing escapes but diagnostics, and no file is silently dropped.

The property (from the issue): arbitrary front matter and bodies, and a few thousand mutated copies of the
sample retros, go through load/validate/generate; no exception escapes except the tool's own diagnostics,
and every input file is either in the output or named in an error diagnostic.

Most examples take the fast in-memory path (Source -> validate_retro -> build_playbook -> render_pages);
a few are written to disk and run through pipeline.check/generate. The runs are derandomized, so CI sees
the same examples every time. Product bugs found by fuzzing are pinned as explicit tests at the bottom.
"""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from playbookgen import pipeline, render
from playbookgen.diagnostics import Diagnostics
from playbookgen.group import build_playbook
from playbookgen.layout import DEFAULTS
from playbookgen.model import Retro
from playbookgen.render import render_pages
from playbookgen.settings import SiteConfig
from playbookgen.sources import Source, is_skipped
from playbookgen.taxonomy import Taxonomy, load_taxonomy
from playbookgen.validate import validate_retro
from playbookgen.vocabulary import COMPETITOR_RESULTS, OUTCOMES, RETRO_FORMATS, VISIBILITY
from tests.conftest import VALID_RETRO, copy_skeleton

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = [DEFAULTS / "templates"]
SAMPLE_PATHS = sorted(
    p for p in (REPO / "retros").rglob("*.md") if not is_skipped(p.relative_to(REPO / "retros"))
)
SAMPLES = [(p.relative_to(REPO).as_posix(), p.read_text(encoding="utf-8")) for p in SAMPLE_PATHS]
CONFIG = SiteConfig()

VALID_FRONT_MATTER, VALID_BODY = VALID_RETRO.split("\n---\n", 1)
VALID_FRONT_MATTER = VALID_FRONT_MATTER.removeprefix("---\n")

FUZZ = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
}


@functools.cache
def taxonomy() -> Taxonomy:
    diagnostics = Diagnostics()
    loaded = load_taxonomy(
        (DEFAULTS / "taxonomy.yml").read_text(encoding="utf-8"),
        "site_config/taxonomy.yml",
        diagnostics,
    )
    assert loaded is not None and not diagnostics.errors, diagnostics
    return loaded


def taxonomy_words() -> list[str]:
    tax = taxonomy()
    return [
        written
        for dimension in (tax.stages, tax.roles, tax.objections)
        for term in dimension.terms
        for written in (term.slug, term.name, *term.aliases)
    ]


# render_pages builds (and compiles) a fresh Jinja environment per call: ~50 ms. The fast path reuses one
# per templates folder (same loader, filters and globals), which makes rendering ~7 ms.
_original_environment = render.environment
_environment_for = functools.lru_cache(maxsize=4)(lambda folders: _original_environment(list(folders)))


def _cached_environment(templates: list[Path], code_cache: object = None):
    assert code_cache is None  # the in-memory path never passes a template code cache
    return _environment_for(tuple(templates))


def as_read(text: str) -> str:
    """The text as read_source would hand it over: UTF-8 with an optional BOM, newlines normalized."""
    text = text.encode("utf-8").decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_in_memory(path: str, raw_text: str, note: bool = True) -> tuple[Retro | None, Diagnostics]:
    """Validate (and render, when valid) one file's text; assert the property. No exception may escape."""
    text = as_read(raw_text)
    diagnostics = Diagnostics()
    retro = validate_retro(Source(path, text), taxonomy(), CONFIG, diagnostics)
    last_line = text.count("\n") + 2  # a diagnostic may point just past the last line (e.g. empty body)
    for d in diagnostics:
        assert d.path == path, d
        assert d.message.strip(), d
        assert d.line is None or 1 <= d.line <= last_line, (d, last_line)
    errors = diagnostics.errors
    if note:  # the share of valid inputs shows in --hypothesis-show-statistics
        event("valid" if retro is not None else "invalid")
    if retro is None:
        assert errors, f"{path} was dropped without an error: {[d.format() for d in diagnostics]}"
        return None, diagnostics
    assert not errors, f"{path} is valid but has errors: {[d.format() for d in errors]}"
    assert retro.path == path
    with mock.patch.object(render, "environment", _cached_environment):
        pages = render_pages(build_playbook([retro], taxonomy(), CONFIG), TEMPLATES)
    page = f"retros/{retro.id}.md"
    assert page in pages, f"{path} is valid but has no page {page}"
    assert pages[page].strip()
    return retro, diagnostics


# --- strategies --------------------------------------------------------------------------------------

WORDS = [
    *taxonomy_words(),
    *["won", "lost", "open", "no-decision", "closed won", "Closed-Lost", "win", "loss", "went dark"],
    *["team", "internal", "public", "PUBLIC", "start-stop-continue", "4ls", "sailboat", "freeform"],
    *["won", "lost", "also-ran", "EUR", "usd", "US$", "Falcon", "index", "Index", "falcon-2", "-x"],
    *["2025-03-11", "2025-02-30", "2025-13-01", "0000-01-01", "9999-12-31", "2025-3-1", "yesterday"],
    *["", " ", "~", "null", "yes", "no", "on", "0", "-1", "1e3", ".inf", ".nan", "0x1f", "0o17", "1_000"],
    *["a, b", "[a]", "{a: b}", "ünïcödé", "名前", "emoji 🙂", "tab\there", "x\ny", "' quote", '" dq'],
]
KEYS = ["title", "date", "visibility", "tags", "deal", "team", "retro", "id", "name", "role", "format"]
DEAL_KEYS = ["codename", "outcome", "account", "primary_reason", "stage_reached", "value", "currency"]
DEAL_KEYS += ["opened", "closed", "competitors", "products", "segment", "industry", "region", "outcom"]

FINITE = st.floats()  # non-finite values included: they must be reported, not crash rendering
EDGE_NUMBERS = st.sampled_from(
    [0, 0.0, -0.0, 0.5, 1e-300, 1e300, 2**53 + 1, 10**30, 1_000_000, float("inf"), float("-inf"), float("nan")]
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(WORDS),
    st.dates(),
    st.datetimes(),
)
finite_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), FINITE, st.text(max_size=20), st.sampled_from(WORDS), st.dates()
)
any_key = st.one_of(st.sampled_from(KEYS + DEAL_KEYS), st.text(max_size=10), st.integers(-3, 3))


def nested(leaves: st.SearchStrategy) -> st.SearchStrategy:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(any_key, children, max_size=4)
        ),
        max_leaves=10,
    )


values = nested(scalars)
finite_values = nested(finite_scalars)


def maybe(good: st.SearchStrategy, bad: st.SearchStrategy = values) -> st.SearchStrategy:
    """Usually a plausible value, sometimes anything at all."""
    return st.one_of(good, good, bad)


words = st.sampled_from(WORDS)
plausible_text = st.one_of(words, st.text(min_size=1, max_size=30))


def rarely(common: st.SearchStrategy, rare: st.SearchStrategy, one_in: int = 10) -> st.SearchStrategy:
    """`rare` about one time in `one_in`, else `common`. (A middle index: Hypothesis favours the ends of
    a range, so one_of(common, ..., rare) would pick `rare` far more often than its share.)"""
    return st.integers(0, one_in - 1).flatmap(lambda i: rare if i == one_in // 2 else common)


def vocabulary(*dimensions: str) -> st.SearchStrategy:
    """Values a writer would use for a field: its slugs, names and aliases (any case), or a near miss."""
    tax = taxonomy()
    fixed = {"outcomes": OUTCOMES, "visibility": VISIBILITY, "formats": RETRO_FORMATS}
    fixed |= {"results": COMPETITOR_RESULTS}
    written = [
        w
        for key in dimensions
        for term in (tax.dimension(key) if key in {"stages", "roles", "objections"} else fixed[key]).terms
        for w in (term.slug, term.name, *term.aliases)
    ]
    exact = st.sampled_from(written)
    variant = st.one_of(exact.map(str.upper), exact.map(lambda w: w.replace("-", " ")))
    return rarely(exact, rarely(variant, words, 3), 6)


@st.composite
def some_of(draw: st.DrawFn, fields: dict[str, tuple[bool, st.SearchStrategy]]) -> dict[str, object]:
    """A mapping with the given fields: each one usually plausible, sometimes anything, or left out
    (required fields rarely, optional ones often); then maybe a stray unknown key."""
    data: dict[str, object] = {}
    for key, (required, good) in fields.items():
        if not draw(rarely(st.just(required), st.just(not required), 30 if required else 2)):
            continue
        data[key] = draw(rarely(good, values, 40))
    if draw(rarely(st.just(False), st.just(True))):
        data[draw(st.text(min_size=1, max_size=8))] = draw(finite_values)
    return data


money = rarely(
    st.one_of(
        st.integers(0, 10**9),
        FINITE,
        EDGE_NUMBERS,
        st.fixed_dictionaries(
            {"amount": st.one_of(st.integers(-5, 10**9), FINITE, EDGE_NUMBERS)},
            optional={"currency": rarely(st.sampled_from(["EUR", "usd", "GBP ", "JPY"]), words)},
        ),
    ),
    finite_values,
)
competitor = st.one_of(
    plausible_text,
    some_of({"name": (True, plausible_text), "result": (False, vocabulary("results"))}),
)
person = some_of({"name": (True, plausible_text), "role": (True, vocabulary("roles"))})
deal = some_of(
    {
        "codename": (True, plausible_text),
        "outcome": (True, vocabulary("outcomes")),
        "account": (False, plausible_text),
        "primary_reason": (False, vocabulary("objections")),
        "stage_reached": (False, vocabulary("stages")),
        "value": (False, money),
        "currency": (False, rarely(st.sampled_from(["EUR", "usd", "GBP", "CHF "]), words)),
        "opened": (False, st.one_of(st.dates(), st.just("2024-09-16"))),
        "closed": (False, st.dates()),
        "segment": (False, plausible_text),
        "industry": (False, plausible_text),
        "region": (False, plausible_text),
        "products": (False, st.one_of(plausible_text, st.lists(plausible_text, max_size=3))),
        "competitors": (False, st.one_of(competitor, st.lists(competitor, max_size=3))),
        "outcom": (False, words),
    }
)
front_matter_data = some_of(
    {
        "title": (True, plausible_text),
        "date": (True, st.one_of(st.dates(), st.just("2025-03-11"))),
        "visibility": (False, vocabulary("visibility")),
        "tags": (False, st.one_of(plausible_text, st.lists(plausible_text, max_size=3))),
        "deal": (True, deal),
        "team": (False, st.lists(person, max_size=3)),
        "retro": (
            False,
            some_of({"format": (False, vocabulary("formats")), "facilitator": (False, plausible_text)}),
        ),
        "id": (False, st.one_of(words, st.from_regex(r"[a-z0-9][a-z0-9-]{0,12}", fullmatch=True))),
    }
)


@st.composite
def dumped_front_matter(draw: st.DrawFn) -> str:
    data = draw(rarely(front_matter_data, finite_values, 20))
    return yaml.safe_dump(
        data,
        allow_unicode=draw(st.booleans()),
        default_flow_style=draw(st.sampled_from([False, None, True])),
        sort_keys=False,
    )


YAML_FRAGMENTS = [
    "title: x",
    "date: 2025-03-11",
    "deal:",
    "  codename: Falcon",
    "  outcome: won",
    "  outcome: [won, lost]",
    "  value: -1",
    "  value: {amount: 1, currency: eur}",
    "  opened: 2025-03-12",
    "  closed: 2025-03-11",
    "team:",
    "  - {name: A, role: SE}",
    "  - name: B",
    "id: index",
    "id: Not A Slug",
    "title: &t hello",
    "tags: *t",
    "tags: *missing",
    "<<: {title: merged}",
    "<<: *t",
    "? [a, b]",
    ": c",
    "? complex",
    "title: !!binary aGVsbG8=",
    "date: !!timestamp 2025-03-11T10:00:00Z",
    "tags: !!set {a, b}",
    "retro: !!omap [{format: 4ls}]",
    "x: !!python/object/apply:os.system ['true']",
    "x: !custom tag",
    "title: |",
    "  block",
    "title: >-",
    "%YAML 1.1",
    "--- ",
    "...",
    "\t- tab",
    "title: 'unclosed",
    'title: "bad \\q escape"',
    "deal: {codename: F, outcome: won",
    "date: 2025-02-30",
    "title: x\x00y",
    "title: \ufeffbom",
    "title: a\u2028b",
    "title: a\x85b",
    "  - ",
    "- item",
    "title: x # comment",
    "date: 2025-03-11 10:00:00",
    "title:",
    "title: x",
]


@st.composite
def raw_front_matter(draw: st.DrawFn) -> str:
    lines = draw(
        st.lists(
            st.one_of(
                st.sampled_from(YAML_FRAGMENTS),
                st.sampled_from(YAML_FRAGMENTS),
                st.text(alphabet=st.sampled_from(list(":-[]{}#&*!|>'\"%@`,? \tabc01é")), max_size=20),
                st.text(max_size=20),
            ),
            max_size=12,
        )
    )
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


BODY_FRAGMENTS = [
    "## Lessons",
    "## lessons ##",
    "##Lessons",
    "  ## Lessons",
    "    ## Lessons",
    "## Summary",
    "# Title",
    "### L1 Do the thing",
    "### L1 Do the thing again",
    "### L01 Same id as L1",
    "### L2 Another play",
    "### Plain lesson title",
    "### Plain lesson title",
    "### ",
    "###",
    "### L3",
    "### L٣ Arabic-indic digit",
    "### 🙂",
    "### L99999999999999999999 Huge number",
    "#### Deeper heading",
    "- stage: discovery",
    "- stage: Discovery call",
    "- stage: nowhere",
    "- stage:",
    "- stage: demo, proposal",
    "- roles: AE, SE",
    "- roles: [account-executive]",
    "- roles: ,",
    "- role: deal desk",
    "- Roles : SE",
    "* roles: SE",
    "+ stage: demo",
    "- objection: budget",
    "- objection: nope",
    "- result: keep",
    "- result: went well",
    "- evidence: buyer-said",
    "- confidence: HIGH",
    "- play: poc-access",
    "- play: Not A Slug",
    "- surfaced: demo",
    "- stge: demo",
    "- x:",
    "- stage: demo",
    "```",
    "```python",
    "~~~",
    "````",
    "   ```",
    "<div>",
    "</div>",
    "<!-- ## Lessons -->",
    "---",
    "",
    "",
    "Plain prose with **bold** and [a link](http://example.com).",
    "| a | b |",
    "> quote",
    "{{ jinja }} {% if x %}",
    "ünïcödé 名前 🙂",
    "\t- tab attribute: x",
]

attribute_line = st.builds(
    lambda bullet, key, value: f"{bullet} {key}: {value}",
    st.sampled_from(["-", "*", "+", "   -", "    -"]),
    st.one_of(
        st.sampled_from(["stage", "roles", "role", "objection", "result", "evidence", "confidence", "play"]),
        st.sampled_from(["surfaced", "Stage", "stage_", "ROLES"]),
        st.from_regex(r"[A-Za-z][A-Za-z _-]{0,8}", fullmatch=True),
    ),
    st.one_of(words, st.text(max_size=15).map(lambda s: s.replace("\n", " ").replace("\r", " "))),
)
heading_line = st.builds(
    lambda hashes, text: f"{hashes} {text}",
    st.sampled_from(["#", "##", "###", "####"]),
    st.one_of(words, st.text(max_size=20).map(lambda s: s.replace("\n", " ").replace("\r", " "))),
)


@st.composite
def bodies(draw: st.DrawFn) -> str:
    lines = draw(
        st.lists(
            st.one_of(
                st.sampled_from(BODY_FRAGMENTS),
                st.sampled_from(BODY_FRAGMENTS),
                attribute_line,
                heading_line,
                st.text(max_size=30),
            ),
            max_size=25,
        )
    )
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    return newline.join(lines)


one_line = st.text(max_size=30).map(lambda t: " ".join(t.splitlines()))
lesson_values = {
    "stage": vocabulary("stages"),
    "roles": st.lists(vocabulary("roles"), min_size=1, max_size=3).map(", ".join),
    "objection": vocabulary("objections"),
    "result": rarely(st.sampled_from(["worked", "didnt-work", "missed", "keep", "stop", "went well"]), words),
    "evidence": rarely(st.sampled_from(["buyer-said", "observed", "inferred", "Observed"]), words),
    "confidence": rarely(st.sampled_from(["high", "medium", "low", "LOW"]), words),
    "play": rarely(st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}", fullmatch=True), words),
    "surfaced": vocabulary("stages"),
}


@st.composite
def lesson_bodies(draw: st.DrawFn) -> str:
    """A body shaped like the format: some text, '## Lessons', lessons with mostly sensible attributes."""
    lines = draw(st.lists(st.one_of(st.sampled_from(BODY_FRAGMENTS), one_line), max_size=4))
    lines.append(draw(st.sampled_from(["## Lessons", "## Lessons", "## lessons", "## Lessons ##"])))
    for n in range(draw(st.integers(1, 3))):
        title = draw(
            st.one_of(st.sampled_from(["Do the thing", "Ask for the buyer", "名前 first"]), one_line)
        )
        prefix = draw(rarely(st.just(f"L{n + 1} "), st.sampled_from(["", "L1 ", f"L0{n} "]), 4))
        lines += ["", f"### {prefix}{title}", *draw(st.sampled_from([[], [""]]))]
        for key, value in lesson_values.items():
            required = key in {"stage", "roles"}
            if draw(rarely(st.just(required), st.just(not required), 20 if required else 2)):
                spelled = draw(rarely(st.just(key), st.sampled_from([key.title(), key.rstrip("s")]), 5))
                lines.append(f"- {spelled}: {draw(rarely(value, one_line, 20))}")
        if draw(rarely(st.just(False), st.just(True), 8)):
            lines.append(draw(attribute_line))
        prose = rarely(one_line, st.sampled_from(BODY_FRAGMENTS), 8)
        lines += ["", *draw(st.lists(prose, max_size=5))]
    return draw(st.sampled_from(["\n", "\n", "\r\n"])).join(lines)


@st.composite
def documents(draw: st.DrawFn, front_matter: st.SearchStrategy, body: st.SearchStrategy) -> str:
    """A retro file: '---', front matter, '---', body (sometimes with the fences broken)."""
    fence = st.just("---\n")
    opening = draw(rarely(fence, st.sampled_from(["--- \n", "---\r\n", "\ufeff---\n", "", "\n---\n"]), 20))
    closing = draw(rarely(fence, st.sampled_from(["--- \n", "...\n", "", "---"]), 20))
    return opening + draw(front_matter) + closing + draw(body)


valid_front_matter = st.just(VALID_FRONT_MATTER + "\n")
valid_body = st.just(VALID_BODY)
file_names = st.sampled_from(
    [
        "retros/osprey.md",
        "retros/2024/2024-06-02 Heron.md",
        "retros/Ünïcode Deal.md",
        "retros/index.md",
        "retros/---.md",
        "retros/a/b/c.md",
        "retros/名前.md",
    ]
)


# --- mutations of the sample retros -------------------------------------------------------------------

INSERTS = ["---", "## Lessons", "### L1 Dup", "- stage: ", "- roles: nobody", "```", "deal:", "  value: -3"]


@st.composite
def mutated_samples(draw: st.DrawFn) -> tuple[str, str]:
    path, text = draw(st.sampled_from(SAMPLES))
    for _ in range(draw(st.integers(1, 4))):
        lines = text.split("\n")
        op = draw(
            st.sampled_from(["delete", "duplicate", "swap", "char", "truncate", "bytes", "insert", "crlf"])
        )
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            lines.insert(i, draw(st.one_of(st.sampled_from(INSERTS), attribute_line, heading_line)))
        elif op == "crlf":
            lines[i] += "\r"
        if op in {"delete", "duplicate", "swap", "insert", "crlf"}:
            text = "\n".join(lines)
            continue
        at = draw(st.integers(0, len(text)))
        if op == "char":
            text = text[:at] + draw(st.characters(blacklist_categories=["Cs"])) + text[at + 1 :]
        elif op == "truncate":
            text = text[:at]
        else:  # random bytes, decoded leniently
            junk = draw(st.binary(min_size=1, max_size=8)).decode("utf-8", errors="replace")
            text = text[:at] + junk + text[at:]
    return path, text


# --- in-memory properties -----------------------------------------------------------------------------


def test_every_sample_retro_is_valid_and_rendered():
    assert len(SAMPLES) >= 10
    for path, text in SAMPLES:
        retro, _ = check_in_memory(path, text, note=False)
        assert retro is not None, path


@settings(max_examples=2000, **FUZZ)
@given(mutated_samples())
def test_mutated_sample_retros(sample):
    check_in_memory(*sample)


@settings(max_examples=800, **FUZZ)
@given(
    file_names, documents(dumped_front_matter(), rarely(st.one_of(valid_body, lesson_bodies()), bodies(), 4))
)
def test_arbitrary_front_matter(path, text):
    check_in_memory(path, text)


@settings(max_examples=400, **FUZZ)
@given(file_names, documents(raw_front_matter(), st.one_of(valid_body, bodies())))
def test_raw_text_front_matter(path, text):
    check_in_memory(path, text)


@settings(max_examples=600, **FUZZ)
@given(
    file_names,
    documents(
        rarely(valid_front_matter, dumped_front_matter(), 4),
        rarely(lesson_bodies(), bodies(), 4),
    ),
)
def test_arbitrary_bodies(path, text):
    check_in_memory(path, text)


@settings(max_examples=300, **FUZZ)
@given(file_names, st.text(max_size=200))
def test_arbitrary_text(path, text):
    check_in_memory(path, text)


# --- on disk: the whole pipeline ----------------------------------------------------------------------

VISIBLE_TO = {
    "team": {"team", "internal", "public"},
    "internal": {"internal", "public"},
    "public": {"public"},
}
DISK_NAMES = [
    "osprey.md",
    "2024/2024-06-02 Heron.md",
    "2024/2024-06-02-heron.md",  # the same id as the one above: a duplicate-id error
    "Ünïcode Deal.md",
    "index.md",  # the reserved id
    "---.md",  # no usable id
    "deep/er/falcon.md",
    "2025-03-11-falcon.md",  # the same id as a sample retro
]


@st.composite
def disk_files(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    names = draw(st.lists(st.sampled_from(DISK_NAMES), min_size=2, max_size=4, unique=True))
    files = []
    for name in names:
        kind = draw(st.sampled_from(["valid", "sample", "mutated", "front", "body", "bytes"]))
        if kind == "valid":
            content = VALID_RETRO.encode("utf-8")
        elif kind == "sample":
            content = draw(st.sampled_from(SAMPLES))[1].encode("utf-8")
        elif kind == "mutated":
            content = draw(mutated_samples())[1].encode("utf-8")
        elif kind == "front":
            content = draw(documents(dumped_front_matter(), valid_body)).encode("utf-8")
        elif kind == "body":
            content = draw(documents(valid_front_matter, lesson_bodies())).encode("utf-8")
        else:  # random bytes, often starting like a valid retro
            prefix = draw(st.sampled_from([b"", VALID_RETRO.encode("utf-8")[:80]]))
            content = prefix + draw(st.binary(max_size=120))
        files.append((name, content))
    return files


def _decoded(content: bytes) -> str | None:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@settings(max_examples=25, **FUZZ)
@given(disk_files())
def test_generate_names_every_file_it_leaves_out(files):
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_skeleton(Path(tmp) / "playbook")
        expected: dict[str, Retro | None] = {}  # path -> the retro when valid on its own
        for name, content in files:
            target = root / "retros" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            path = f"retros/{name}"
            text = _decoded(content)
            expected[path] = None if text is None else check_in_memory(path, text, note=False)[0]

        generated = pipeline.generate(root)  # no exception may escape

        # generate builds for the configured audience: a valid retro is in the output only when that
        # audience may see it (retro-format.md, "Audiences").
        view = getattr(generated, "view", None)
        audience = view.audience if view is not None else "team"

        checked = generated.checked
        diagnostics = checked.diagnostics
        assert checked.files == len(files)
        assert not [d for d in diagnostics if d.code == "internal"], [d.format() for d in diagnostics]
        for d in diagnostics:
            assert d.message.strip() and (d.line is None or d.line >= 1), d
        errors_by_path: dict[str, list[str]] = {}
        for d in diagnostics.errors:
            errors_by_path.setdefault(d.path, []).append(d.code)
        assert set(errors_by_path) <= set(expected), errors_by_path  # nothing blames a file not written
        in_model = {retro.path for retro in checked.playbook.retros} if checked.playbook else set()
        for path, retro in expected.items():
            own = errors_by_path.get(path, [])
            if retro is None:
                assert own, f"{path} is invalid but no error names it"
                assert path not in in_model
                continue
            assert set(own) <= {"duplicate-id"}, (path, own)
            assert (path in in_model) != bool(own), (path, own)
            if diagnostics.errors:
                assert not generated.files
                continue
            page = f"retros/{retro.id}.md"
            if retro.visibility in VISIBLE_TO[audience]:
                assert page in generated.files, path
            elif not any(r.id == retro.id for r in expected.values() if r is not None and r is not retro):
                assert page not in generated.files, path  # not for this audience: no page at all


@settings(max_examples=25, **FUZZ)
@given(st.lists(st.binary(max_size=200), min_size=1, max_size=3))
def test_check_names_every_file_of_random_bytes(contents):
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_skeleton(Path(tmp) / "playbook")
        paths = []
        for i, content in enumerate(contents):
            (root / "retros" / f"r{i}.md").write_bytes(content)
            paths.append(f"retros/r{i}.md")
        checked = pipeline.check(root)
        assert checked.files == len(contents)
        assert not [d for d in checked.diagnostics if d.code == "internal"]
        in_model = {retro.path for retro in checked.playbook.retros} if checked.playbook else set()
        named = {d.path for d in checked.diagnostics.errors}
        for path, content in zip(paths, contents, strict=True):
            assert (path in in_model) != (path in named), path
            if _decoded(content) is None:
                assert path in named


# --- product bugs found by fuzzing (minimal reproducers; they fail until the product is fixed) ---------


def _with_deal_line(line: str) -> str:
    return VALID_RETRO.replace("  outcome: won\n", f"  outcome: won\n  {line}\n")


@pytest.mark.parametrize(
    "value",
    [".inf", "1.0e+400", "{amount: .inf, currency: USD}", ".nan", "{amount: .nan}"],
)
def test_non_finite_deal_value_is_reported(value):
    """`deal.value: .inf` passes validation, then render_pages raises OverflowError in the money filter
    (not caught: a traceback); `.nan` raises TemplateProblem blamed on templates/retro.md.j2 instead of
    the retro. Either way the retro is neither rendered nor named. It must be a deal.value error."""
    diagnostics = Diagnostics()
    retro = validate_retro(
        Source("retros/osprey.md", _with_deal_line(f"value: {value}")), taxonomy(), CONFIG, diagnostics
    )
    if retro is None:
        assert [d for d in diagnostics.errors if d.field and d.field.startswith("deal.value")]
    else:
        pages = render_pages(build_playbook([retro], taxonomy(), CONFIG), TEMPLATES)
        assert "retros/osprey.md" in pages


HUGE_INT = "0x" + "f" * 3600  # a YAML int with more than 4300 decimal digits


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("outcome: won", f"outcome: {HUGE_INT}"),
        lambda t: t.replace("outcome: won", f"outcome: won\n  value: {HUGE_INT}"),
        lambda t: t.replace("deal:\n  codename: Osprey\n  outcome: won", f"deal: {HUGE_INT}"),
        lambda t: t.replace("title:", f"visibility: {HUGE_INT}\ntitle:"),
        lambda t: t.replace("title:", f"id: {HUGE_INT}\ntitle:"),
        lambda t: t.replace("title:", f"team: {HUGE_INT}\ntitle:"),
    ],
    ids=["deal.outcome", "deal.value", "deal", "visibility", "id", "team"],
)
def test_huge_integer_in_front_matter_is_a_diagnostic(edit: Callable[[str], str]):
    """str()/repr() of an int over 4300 digits raises ValueError; it escaped validate_retro (pipeline
    then reported 'this is a playbookgen bug'). It must be an ordinary error naming the field."""
    diagnostics = Diagnostics()
    retro = validate_retro(Source("retros/osprey.md", edit(VALID_RETRO)), taxonomy(), CONFIG, diagnostics)
    assert retro is None
    assert [d for d in diagnostics.errors if d.path == "retros/osprey.md"]


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separator_in_a_quoted_value_does_not_shift_lines(separator):
    """YAML counts U+2028, U+2029 and NEL as line breaks; editors and the rest of playbookgen count only
    '\\n'. One inside a quoted title moved every later front matter diagnostic down a line."""
    text = VALID_RETRO.replace('title: "Won', f'title: "W{separator}on').replace(
        "outcome: won", "outcome: wonn"
    )
    diagnostics = Diagnostics()
    assert validate_retro(Source("retros/osprey.md", text), taxonomy(), CONFIG, diagnostics) is None
    [error] = diagnostics.errors
    assert error.field == "deal.outcome"
    assert text.split("\n")[error.line - 1] == "  outcome: wonn", error.format()
