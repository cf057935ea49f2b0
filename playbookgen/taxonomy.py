"""The taxonomy: ordered stages, roles and objection types, matched by slug, name or alias."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from playbookgen.diagnostics import Diagnostics
from playbookgen.text import did_you_mean, fold, is_slug
from playbookgen.yamlsource import LineMap, YamlError, load

DIMENSIONS = {"stages": "stage", "roles": "role", "objections": "objection"}


@dataclass(frozen=True)
class Term:
    slug: str
    name: str
    description: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ambiguity:
    alias: str
    default: str
    also: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Resolution:
    """The outcome of matching one written value: a slug, or an error message; maybe a warning."""

    slug: str | None
    error: str | None = None
    warning: str | None = None


@dataclass
class Dimension:
    key: str
    label: str
    terms: tuple[Term, ...] = ()
    ambiguous: dict[str, Ambiguity] = field(default_factory=dict)
    source: str = ""  # where writers can look up names and aliases
    _index: dict[str, str] = field(default_factory=dict, repr=False)
    _resolved: dict[str, Resolution] = field(default_factory=dict, repr=False, compare=False)  # repeats

    def __post_init__(self) -> None:
        for term in self.terms:
            for written in (term.slug, term.name, *term.aliases):
                self._index.setdefault(fold(written), term.slug)

    @property
    def slugs(self) -> list[str]:
        return [t.slug for t in self.terms]

    def term(self, slug: str) -> Term:
        return next(t for t in self.terms if t.slug == slug)

    def position(self, slug: str) -> int:
        return self.slugs.index(slug)

    def resolve(self, value: str) -> Resolution:
        known = self._resolved.get(value)
        if known is None:
            known = self._resolved[value] = self._resolve(value)
        return known

    def _resolve(self, value: str) -> Resolution:
        key = fold(value)
        ambiguity = self.ambiguous.get(key)
        if ambiguity is not None:
            others = ", ".join(ambiguity.also)
            note = f" ({ambiguity.note})" if ambiguity.note else ""
            return Resolution(
                ambiguity.default,
                warning=f"{value!r} is ambiguous: read as {ambiguity.default!r}, but it can also mean "
                f"{others}{note}; write the slug to be explicit",
            )
        slug = self._index.get(key)
        if slug is not None:
            return Resolution(slug)
        if "," in value:
            return Resolution(
                None,
                error=f"one {self.label} only, got {value!r}; choose the main one ({', '.join(self.slugs)})",
            )
        return Resolution(None, error=self.unknown_message(value))

    def resolve_and_report(
        self,
        value: str,
        path: str,
        line: int | Callable[[], int | None] | None,
        field: str,
        diagnostics: Diagnostics,
    ) -> str | None:
        """resolve(), with an unknown value reported as an error and an ambiguous alias as a warning.

        `line` may be a function: finding a line costs a YAML compose, so it is looked up only for a problem.
        """
        resolution = self.resolve(value)
        if not (resolution.error or resolution.warning):
            return resolution.slug
        if callable(line):
            line = line()
        if resolution.error:
            diagnostics.error(path, line, field, resolution.error, f"unknown-{self.label.replace(' ', '-')}")
        if resolution.warning:
            diagnostics.warning(path, line, field, resolution.warning, "ambiguous-alias")
        return resolution.slug

    def unknown_message(self, value: str) -> str:
        written = [w for t in self.terms for w in (t.slug, t.name, *t.aliases)]
        guess = did_you_mean(value, written)
        hint = f"; did you mean {self._index[fold(guess)]!r}?" if guess else ";"
        source = f" (or a name or alias from {self.source})" if self.source else ""
        return f"unknown {self.label} {value!r}{hint} allowed: {', '.join(self.slugs)}{source}"


@dataclass
class Taxonomy:
    stages: Dimension
    roles: Dimension
    objections: Dimension

    def dimension(self, key: str) -> Dimension:
        return {"stages": self.stages, "roles": self.roles, "objections": self.objections}[key]


def load_taxonomy(text: str, path: str, diagnostics: Diagnostics) -> Taxonomy | None:
    """Parse and validate taxonomy.yml. Problems go to `diagnostics`; what is valid is still returned.

    None when the file cannot be read at all: then retros are not checked against it, since every
    value would look unknown.
    """
    try:
        data = load(text)
    except YamlError as exc:
        diagnostics.error(path, exc.line, None, exc.message, "taxonomy-yaml")
        return None
    lines = LineMap(text)
    if not isinstance(data, dict):
        diagnostics.error(path, 1, None, "expected a mapping with stages, roles and objections", "taxonomy")
        return None
    ambiguous = data.get("ambiguous_aliases") or {}
    if not isinstance(ambiguous, dict):
        diagnostics.error(
            path,
            lines.line(["ambiguous_aliases"]),
            "ambiguous_aliases",
            "expected a mapping of dimension -> {alias: {default, also, note}}",
            "taxonomy",
        )
        ambiguous = {}
    unknown = set(data) - set(DIMENSIONS) - {"ambiguous_aliases", "version"}
    for key in sorted(map(str, unknown)):  # YAML keys may be numbers too (`1: x`)
        diagnostics.warning(
            path,
            lines.line([key]),
            key,
            f"unknown key; expected {', '.join(DIMENSIONS)}, ambiguous_aliases",
            "unknown-key",
        )
    dimensions = {
        key: _dimension(key, data.get(key), ambiguous.get(key) or {}, path, lines, diagnostics)
        for key in DIMENSIONS
    }
    if any(not dimension.terms for dimension in dimensions.values()):
        return None
    return Taxonomy(**dimensions)


def _dimension(
    key: str, raw: Any, raw_ambiguous: Any, path: str, lines: LineMap, diagnostics: Diagnostics
) -> Dimension:
    label = DIMENSIONS[key]
    if not isinstance(raw, list) or not raw:
        diagnostics.error(path, lines.line([key]), key, f"expected a non-empty list of {key}", "taxonomy")
        return Dimension(key, label)
    terms: list[Term] = []
    owner: dict[str, str] = {}
    seen: set[str] = set()
    for i, item in enumerate(raw):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            diagnostics.error(
                path,
                lines.line([key, i]),
                where,
                "expected a mapping with slug, name, description, aliases",
                "taxonomy",
            )
            continue
        slug, name = item.get("slug"), item.get("name")
        if not isinstance(slug, str) or not is_slug(slug):
            diagnostics.error(
                path,
                lines.line([key, i, "slug"]),
                f"{where}.slug",
                f"{slug!r} is not a slug (lowercase letters, digits and '-')",
                "taxonomy",
            )
            continue
        if slug in seen:
            diagnostics.error(
                path,
                lines.line([key, i, "slug"]),
                f"{where}.slug",
                f"duplicate {label} slug {slug!r}",
                "taxonomy-duplicate",
            )
            continue
        seen.add(slug)
        if not isinstance(name, str) or not name.strip():
            name = slug.replace("-", " ").capitalize()
            diagnostics.warning(
                path, lines.line([key, i]), f"{where}.name", f"no display name; using {name!r}", "taxonomy"
            )
        aliases = item.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, (str, int)) for a in aliases):
            diagnostics.error(
                path,
                lines.line([key, i, "aliases"]),
                f"{where}.aliases",
                "expected a list of words",
                "taxonomy",
            )
            aliases = []
        aliases = [str(a) for a in aliases]
        for written in (slug, name, *aliases):
            folded = fold(written)
            other = owner.get(folded)
            if other is not None and other != slug:
                diagnostics.error(
                    path,
                    lines.line([key, i]),
                    f"{where}.aliases",
                    f"{written!r} would match both {other!r} and {slug!r}; "
                    f"an alias may name only one {label}",
                    "taxonomy-duplicate",
                )
                continue
            owner[folded] = slug
        description = item.get("description") or ""
        terms.append(Term(slug, name, str(description), tuple(aliases)))
    ambiguous = _ambiguities(key, raw_ambiguous, {t.slug for t in terms}, path, lines, diagnostics)
    return Dimension(key, label, tuple(terms), ambiguous, source=path)


def _ambiguities(
    key: str, raw: Any, slugs: set[str], path: str, lines: LineMap, diagnostics: Diagnostics
) -> dict[str, Ambiguity]:
    result: dict[str, Ambiguity] = {}
    if not isinstance(raw, dict):
        return result
    for alias, spec in raw.items():
        where = ["ambiguous_aliases", key, alias]
        field_name = f"ambiguous_aliases.{key}.{alias}"
        if not isinstance(spec, dict) or spec.get("default") not in slugs:
            diagnostics.error(
                path,
                lines.line(where),
                field_name,
                f"needs 'default:' naming one of: {', '.join(sorted(slugs))}",
                "taxonomy",
            )
            continue
        also = tuple(str(a) for a in spec.get("also") or ())
        for other in also:
            if other not in slugs:
                diagnostics.error(
                    path, lines.line(where), field_name, f"'also' names unknown slug {other!r}", "taxonomy"
                )
        result[fold(str(alias))] = Ambiguity(str(alias), spec["default"], also, str(spec.get("note") or ""))
    return result
