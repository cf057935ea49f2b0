"""The editor JSON Schema (`playbookgen schema`): checked with a real draft 2020-12 validator against the
sample corpora, against hand-picked good and bad front matter, and against the validator itself (the
schema must accept what `playbookgen check` accepts and reject what it rejects)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema  # the test extra: pip install jsonschema
import pytest
import yaml

from playbookgen.diagnostics import Diagnostics
from playbookgen.editor_schema import front_matter_schema, schema_json, spelling_pattern, value_fields
from playbookgen.layout import DEFAULTS, Layout
from playbookgen.schema import CompetitorFM, DealFM, FrontMatter, MoneyFM, PersonFM, RetroMetaFM
from playbookgen.settings import SiteConfig
from playbookgen.sources import Source, split_front_matter
from playbookgen.taxonomy import Taxonomy, load_taxonomy
from playbookgen.validate import validate_retro
from playbookgen.yamlsource import load

REPO = Path(__file__).resolve().parent.parent
CORPORA = [REPO / "retros", REPO / "tests" / "data" / "second_corpus" / "retros"]
BODY = """
## Lessons

### L1 Write POC success criteria down before kickoff

- stage: evaluation
- roles: sales-engineer

We wrote three criteria with the champion.
"""
MINIMAL = {"title": "Won Osprey", "date": date(2025, 3, 11), "deal": {"codename": "Osprey", "outcome": "won"}}


def taxonomy_from(text: str) -> Taxonomy:
    diagnostics = Diagnostics()
    taxonomy = load_taxonomy(text, "site_config/taxonomy.yml", diagnostics)
    assert taxonomy is not None and not diagnostics.errors, diagnostics
    return taxonomy


TAXONOMY = taxonomy_from(Layout(REPO).taxonomy.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = front_matter_schema(TAXONOMY)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def as_editor_sees_it(value: Any) -> Any:
    """YAML dates as ISO strings: what a YAML 1.2 editor sees (it has no date type)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: as_editor_sees_it(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_sees_it(v) for v in value]
    return value


def schema_errors(validator: jsonschema.Draft202012Validator, front_matter: dict[str, Any]) -> list[str]:
    errors = validator.iter_errors(as_editor_sees_it(front_matter))
    return [f"{'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in errors]


def check(front_matter: dict[str, Any], taxonomy: Taxonomy = TAXONOMY) -> Diagnostics:
    """What `playbookgen check` says about a retro with this front matter (and a valid body)."""
    text = "---\n" + yaml.safe_dump(front_matter, sort_keys=False, allow_unicode=True) + "---\n" + BODY
    diagnostics = Diagnostics()
    validate_retro(Source("retros/x.md", text), taxonomy, SiteConfig(), diagnostics)
    return diagnostics


def with_changes(*changes: tuple[str, Any]) -> dict[str, Any]:
    """MINIMAL with ("deal.value", 5)-style changes applied; the value DELETE removes the key."""
    front_matter = copy.deepcopy(MINIMAL)
    for dotted, value in changes:
        *parents, key = dotted.split(".")
        node = front_matter
        for parent in parents:
            node = node[parent]
        if value is DELETE:
            del node[key]
        else:
            node[key] = value
    return front_matter


DELETE = object()


def sample_retros() -> list[Path]:
    found = []
    for corpus in CORPORA:
        for path in sorted(corpus.rglob("*.md")):
            parts = path.relative_to(corpus).parts
            if path.name == "README.md" or any(p.startswith(("_", ".")) for p in parts):
                continue
            found.append(path)
    return found


def test_the_schema_is_draft_2020_12_and_valid():
    schema = front_matter_schema(TAXONOMY)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "$id" not in schema and schema["title"] and schema["description"]
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_json_is_stable_text():
    text = schema_json(TAXONOMY)
    assert text.endswith("}\n") and text == schema_json(TAXONOMY)
    assert json.loads(text) == front_matter_schema(TAXONOMY)
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_function_is_pure():
    first = front_matter_schema(TAXONOMY)
    first["properties"].clear()
    first["$defs"]["DealFM"]["properties"]["outcome"]["anyOf"][0]["enum"].append("mutated")
    assert front_matter_schema(TAXONOMY) == json.loads(schema_json(TAXONOMY))
    assert "mutated" not in schema_json(TAXONOMY) and "title" in front_matter_schema(TAXONOMY)["properties"]


def test_there_are_sample_retros():
    names = {p.relative_to(REPO).as_posix() for p in sample_retros()}
    assert len([n for n in names if n.startswith("retros/")]) >= 10
    assert len([n for n in names if n.startswith("tests/")]) >= 8
    assert not any("_drafts" in n or n.endswith("README.md") for n in names)


@pytest.mark.parametrize("path", sample_retros(), ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_sample_retro_validates(validator, path):
    split = split_front_matter(path.read_text(encoding="utf-8"))
    assert split is not None
    front_matter = load(split.front_matter, split.front_matter_line)
    assert schema_errors(validator, front_matter) == []


NEGATIVE = {
    "unknown outcome": [("deal.outcome", "victory")],
    "unknown role": [("team", [{"name": "Priya Raman", "role": "wizard"}])],
    "two roles in one": [("team", [{"name": "Priya Raman", "role": "ae, se"}])],
    "unknown stage": [("deal.stage_reached", "contract-ish")],
    "unknown objection": [("deal.primary_reason", "vibes")],
    "unknown visibility": [("visibility", "secret")],
    "unknown retro format": [("retro", {"format": "retro-ish"})],
    "unknown competitor result": [("deal.competitors", [{"name": "Lumaroute", "result": "tied"}])],
    "missing title": [("title", DELETE)],
    "missing codename": [("deal.codename", DELETE)],
    "empty title": [("title", "   ")],
    "negative value": [("deal.value", -5)],
    "negative amount": [("deal.value", {"amount": -1, "currency": "EUR"})],
    "value as text": [("deal.value", "a lot")],
    "bad currency": [("deal.currency", "euros")],
    "a list as codename": [("deal.codename", ["Falcon", "Osprey"])],
    "a mapping as title": [("title", {"text": "x"})],
    "a bad date string": [("date", "March 11, 2025")],
    "an impossible date": [("date", "2025-02-30")],
    "a date with a time": [("deal.opened", "2025-03-11T10:00:00")],
    "a list as team": [("team", "Priya Raman")],
    "a non-slug id": [("id", "Falcon Deal")],
}


@pytest.mark.parametrize("changes", NEGATIVE.values(), ids=NEGATIVE.keys())
def test_what_the_validator_rejects_the_schema_rejects(validator, changes):
    front_matter = with_changes(*changes)
    assert check(front_matter).errors, "the case must be an error for playbookgen check too"
    assert schema_errors(validator, front_matter) != []


UNKNOWN_KEYS = {
    "top level": [("outcom", "won")],
    "deal": [("deal.outcom", "won")],
    "team member": [("team", [{"name": "Priya Raman", "role": "ae", "rol": "se"}])],
    "competitor": [("deal.competitors", [{"name": "Lumaroute", "resutl": "won"}])],
    "value": [("deal.value", {"amount": 5, "currancy": "EUR"})],
    "retro": [("retro", {"format": "4ls", "facilitatr": "Aisha"})],
}


@pytest.mark.parametrize("changes", UNKNOWN_KEYS.values(), ids=UNKNOWN_KEYS.keys())
def test_unknown_keys_are_flagged_by_the_schema(validator, changes):
    """Stricter than the tool on purpose: `check` only warns (and fails with --strict)."""
    front_matter = with_changes(*changes)
    diagnostics = check(front_matter)
    assert not diagnostics.errors and [d for d in diagnostics if d.code == "unknown-key"]
    errors = list(validator.iter_errors(as_editor_sees_it(front_matter)))
    assert errors
    messages = [m for e in errors for m in nested_messages(e)]  # inside anyOf (`retro:` may be null) too
    assert any("Additional properties are not allowed" in m for m in messages), messages


def nested_messages(error: jsonschema.ValidationError) -> list[str]:
    return [error.message] + [m for e in error.context or [] for m in nested_messages(e)]


POSITIVE = {
    "aliases": [
        ("deal.outcome", "Closed-Won"),
        ("deal.stage_reached", "needs_analysis"),
        ("deal.primary_reason", "Status Quo"),
        ("team", [{"name": "Priya Raman", "role": "AE"}, {"name": "Tomás", "role": "solutions engineer"}]),
    ],
    "slugs": [
        ("visibility", "public"),
        ("deal.outcome", "no-decision"),
        ("deal.stage_reached", "negotiation"),
        ("team", [{"name": "Priya Raman", "role": "account-executive"}]),
        ("retro", {"format": "start-stop-continue", "facilitator": "Aisha Kamara"}),
    ],
    "names and odd separators": [
        ("deal.stage_reached", " Demo & technical evaluation "),
        ("deal.primary_reason", "price/budget"),
        ("retro", {"format": "Start, stop, continue"}),
        ("visibility", "INTERNAL"),
        ("deal.outcome", "went__dark"),
    ],
    "an ambiguous alias": [("team", [{"name": "Priya Raman", "role": "SA"}])],
    "value as a number": [("deal.value", 420000), ("deal.currency", "eur")],
    "value as a float": [("deal.value", 1234.5)],
    "value with currency": [("deal.value", {"amount": 420000, "currency": "EUR"})],
    "value without currency": [("deal.value", {"amount": 0})],
    "dates": [("deal.opened", date(2024, 9, 16)), ("deal.closed", date(2025, 3, 7))],
    "single words for lists": [
        ("tags", "poc"),
        ("deal.products", "beacon-platform"),
        ("deal.account_aliases", "Halvorsen"),
        ("deal.competitors", "Lumaroute"),
    ],
    "one competitor as a mapping": [("deal.competitors", {"name": "in-house build", "result": "also-ran"})],
    "competitors mixed": [("deal.competitors", ["Lumaroute", {"name": "DIY", "result": "Also ran"}])],
    "numbers as text": [("deal.codename", 42), ("title", 2025), ("deal.segment", 1.5)],
    "empty optionals": [("deal.account", None), ("tags", None), ("retro", None), ("visibility", None)],
    "a slug id": [("id", "2025-03-11-osprey")],
    "a numeric id": [("id", 2025)],
}


@pytest.mark.parametrize("changes", POSITIVE.values(), ids=POSITIVE.keys())
def test_what_the_validator_accepts_the_schema_accepts(validator, changes):
    front_matter = with_changes(*changes)
    assert not check(front_matter).errors, "the case must be valid for playbookgen check too"
    assert schema_errors(validator, front_matter) == []


def test_the_value_fields_are_the_ones_the_validator_resolves():
    """Each field the schema restricts to a vocabulary is one the validator checks against it."""
    places = {
        "visibility": [("visibility", "zzz-unknown")],
        "deal.outcome": [("deal.outcome", "zzz-unknown")],
        "deal.primary_reason": [("deal.primary_reason", "zzz-unknown")],
        "deal.stage_reached": [("deal.stage_reached", "zzz-unknown")],
        "deal.competitors[0].result": [("deal.competitors", [{"name": "X", "result": "zzz-unknown"}])],
        "team[0].role": [("team", [{"name": "X", "role": "zzz-unknown"}])],
        "retro.format": [("retro", {"format": "zzz-unknown"})],
    }
    assert len(places) == len(value_fields(TAXONOMY))
    for field, changes in places.items():
        errors = check(with_changes(*changes)).errors
        assert [e.code for e in errors if e.field == field and e.code.startswith("unknown-")], (field, errors)


def test_enums_are_the_taxonomy_slugs():
    schema = front_matter_schema(TAXONOMY)
    for model, field, dimension in value_fields(TAXONOMY):
        node = schema if model is FrontMatter else schema["$defs"][model.__name__]
        assert node["properties"][field]["anyOf"][0] == {"enum": dimension.slugs}
    deal = schema["$defs"]["DealFM"]["properties"]
    assert deal["stage_reached"]["anyOf"][0]["enum"] == TAXONOMY.stages.slugs
    assert deal["primary_reason"]["anyOf"][0]["enum"] == TAXONOMY.objections.slugs
    assert schema["$defs"]["PersonFM"]["properties"]["role"]["anyOf"][0]["enum"] == TAXONOMY.roles.slugs
    assert deal["outcome"]["anyOf"][0]["enum"] == ["won", "lost", "no-decision", "open"]


def test_an_edited_taxonomy_flows_into_the_schema():
    data = yaml.safe_load((DEFAULTS / "taxonomy.yml").read_text(encoding="utf-8"))
    data["stages"].append({"slug": "renewal", "name": "Renewal", "aliases": ["renewal review", 7]})
    taxonomy = taxonomy_from(yaml.safe_dump(data, sort_keys=False))
    schema = front_matter_schema(taxonomy)
    stage = schema["$defs"]["DealFM"]["properties"]["stage_reached"]
    assert stage["anyOf"][0]["enum"] == [*TAXONOMY.stages.slugs, "renewal"]
    assert "renewal" in stage["description"]
    validator = jsonschema.Draft202012Validator(schema)
    for value in ("renewal", "Renewal_Review", 7):
        front_matter = with_changes(("deal.stage_reached", value))
        assert not check(front_matter, taxonomy).errors
        assert schema_errors(validator, front_matter) == []
        assert check(front_matter).errors  # ... and the shipped taxonomy knows no such stage
        assert schema_errors(jsonschema.Draft202012Validator(front_matter_schema(TAXONOMY)), front_matter)
    assert schema["$defs"]["PersonFM"] == front_matter_schema(TAXONOMY)["$defs"]["PersonFM"]


def spellings_and_near_misses(words: list[str]) -> list[str]:
    candidates = []
    for word in words:
        candidates += [word, word.upper(), word.title(), f"  {word}  ", f"-{word}/", word.replace(" ", "_")]
        candidates += [word.replace(" ", " / "), word.replace("-", "  "), word + "x", word[:-1], "x" + word]
        candidates += [word.replace(" ", ""), word.replace("-", ""), word + ", other"]
    return candidates


def test_the_patterns_accept_exactly_what_the_matcher_accepts():
    for _, _, dimension in value_fields(TAXONOMY):
        pattern = re.compile(spelling_pattern(dimension))
        words = [w for t in dimension.terms for w in (t.slug, t.name, *t.aliases)]
        words += [a.alias for a in dimension.ambiguous.values()]
        for candidate in spellings_and_near_misses(words):
            accepted = dimension.resolve(candidate).slug is not None
            assert bool(pattern.search(candidate)) == accepted, (dimension.key, candidate)


def test_properties_cover_exactly_the_models_fields():
    """The schema is the pydantic models' own: no field is added, lost or renamed on the way."""
    schema = front_matter_schema(TAXONOMY)
    models = [FrontMatter, DealFM, MoneyFM, CompetitorFM, PersonFM, RetroMetaFM]
    assert set(schema["$defs"]) == {m.__name__ for m in models if m is not FrontMatter}
    for model in models:
        node = schema if model is FrontMatter else schema["$defs"][model.__name__]
        assert list(node["properties"]) == list(model.model_fields), model.__name__
        required = [name for name, info in model.model_fields.items() if info.is_required()]
        assert node.get("required", []) == required, model.__name__
        assert node["additionalProperties"] is False, model.__name__


def all_patterns(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return own + [p for value in node.values() for p in all_patterns(value)]
    if isinstance(node, list):
        return [p for value in node for p in all_patterns(value)]
    return []


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to check ECMA-262 regexes")
def test_patterns_are_ecma_262_and_match_as_in_python():
    """Editors evaluate `pattern` as ECMA-262 (often with the `u` flag): it must compile and agree."""
    patterns = sorted(set(all_patterns(front_matter_schema(TAXONOMY))))
    samples = [
        "AE",
        " sales_engineer ",
        "Closed-Won",
        "t&cs",
        "we're fine",
        "x",
        "",
        "EUR",
        "2025-03-11",
        "ae x",
    ]
    script = (
        "const [patterns, samples] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(patterns.map(p => samples.map(s => new RegExp(p, 'u').test(s)))));"
    )
    out = subprocess.run(
        ["node", "-e", script],
        input=json.dumps([patterns, samples]),
        capture_output=True,
        text=True,
        check=True,
    )
    expected = [[bool(re.search(p, s)) for s in samples] for p in patterns]
    assert json.loads(out.stdout) == expected


DRAFT_07_KEYWORDS = {"$ref", "additionalProperties", "anyOf", "default", "description", "enum", "examples"}
DRAFT_07_KEYWORDS |= {"format", "items", "minimum", "pattern", "properties", "required", "title", "type"}


def keywords(schema: Any) -> set[str]:
    found = set(schema)
    for key in ("properties", "$defs"):
        for sub in schema.get(key, {}).values():
            found |= keywords(sub)
    for sub in schema.get("anyOf", []) + ([schema["items"]] if "items" in schema else []):
        found |= keywords(sub)
    return found


def test_the_schema_means_the_same_to_draft_07_tools():
    """Editors' YAML support often implements draft 7 only: every keyword used means the same there."""
    schema = front_matter_schema(TAXONOMY)
    assert keywords(schema) - {"$schema", "$defs"} <= DRAFT_07_KEYWORDS
    draft7 = jsonschema.Draft7Validator({k: v for k, v in schema.items() if k != "$schema"})
    for changes in POSITIVE.values():
        assert draft7.is_valid(as_editor_sees_it(with_changes(*changes)))
    for changes in [*NEGATIVE.values(), *UNKNOWN_KEYS.values()]:
        if changes != NEGATIVE["an impossible date"]:  # format is not asserted by default
            assert not draft7.is_valid(as_editor_sees_it(with_changes(*changes))), changes
