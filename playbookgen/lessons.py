"""Validate one retro's lessons: attributes resolved against the taxonomy and fixed vocabularies."""

from __future__ import annotations

from datetime import date

from playbookgen.body import RawAttribute, RawLesson
from playbookgen.diagnostics import Diagnostics
from playbookgen.model import Lesson
from playbookgen.taxonomy import Dimension, Taxonomy
from playbookgen.text import did_you_mean, is_slug, slugify
from playbookgen.vocabulary import CONFIDENCE, EVIDENCE, RESULTS

REQUIRED = ("stage", "roles")
KNOWN = (
    "stage",
    "roles",
    "objection",
    "result",
    "evidence",
    "confidence",
    "play",
    "surfaced",
    "expires",
    "superseded-by",
)
SYNONYMS = {"role": "roles"}


def validate_lessons(
    raw_lessons: list[RawLesson], taxonomy: Taxonomy, path: str, diagnostics: Diagnostics
) -> list[Lesson]:
    lessons: list[Lesson] = []
    seen: dict[str, int] = {}
    for raw in raw_lessons:
        lesson = _validate_lesson(raw, taxonomy, path, diagnostics)
        if lesson is None:
            continue
        if lesson.id in seen:
            diagnostics.error(
                path,
                raw.line,
                f"lessons.{lesson.id}",
                f"duplicate lesson id {lesson.id!r} (also on line {seen[lesson.id]}); "
                "give each lesson its own L<n> number or title",
                "duplicate-lesson",
            )
            continue
        seen[lesson.id] = raw.line
        lessons.append(lesson)
    return lessons


def lesson_id(raw: RawLesson) -> str:
    return f"l{int(raw.number)}" if raw.number else slugify(raw.title)


def _validate_lesson(
    raw: RawLesson, taxonomy: Taxonomy, path: str, diagnostics: Diagnostics
) -> Lesson | None:
    ident = lesson_id(raw)
    if not raw.title or not ident:
        diagnostics.error(
            path,
            raw.line,
            "lessons",
            "lesson heading has no title; write the play as an "
            "instruction, e.g. '### L1 Trade the POC for access to the economic buyer'",
            "lesson-title",
        )
        return None
    where = f"lessons.{ident}"
    label = f"lesson {raw.heading!r}"
    attributes: dict[str, RawAttribute] = {}
    for attribute in raw.attributes:
        key = attribute.key.strip().lower().replace(" ", "-").replace("_", "-")
        key = SYNONYMS.get(key, key)
        if key not in KNOWN:
            guess = did_you_mean(key, KNOWN)
            hint = f"; did you mean {guess!r}?" if guess else ";"
            diagnostics.warning(
                path,
                raw.line,
                f"{where}.{attribute.key}",
                f"{label}: unknown attribute {attribute.key!r} (line {attribute.line}){hint} "
                f"known: {', '.join(KNOWN)}",
                "unknown-lesson-key",
            )
            continue
        if key in attributes:
            diagnostics.error(
                path,
                attribute.line,
                f"{where}.{key}",
                f"{label}: {key!r} given twice (first on line {attributes[key].line})",
                "duplicate-lesson-key",
            )
            continue
        attributes[key] = attribute
    problems_before = len(diagnostics.errors)
    for key in REQUIRED:
        given = attributes.get(key)
        if given is None or not given.value.strip(" ,[]"):
            _missing(raw, key, taxonomy, path, f"{where}.{key}", label, diagnostics)
    single = {
        "stage": taxonomy.stages,
        "objection": taxonomy.objections,
        "surfaced": taxonomy.stages,
        "result": RESULTS,
        "evidence": EVIDENCE,
        "confidence": CONFIDENCE,
    }
    resolved = {
        key: _one(key, attributes.get(key), dimension, path, f"{where}.{key}", diagnostics)
        for key, dimension in single.items()
    }
    roles = _many(attributes.get("roles"), taxonomy.roles, path, where, diagnostics)
    play = _play(attributes.get("play"), path, where, diagnostics)
    superseded_by = _play(attributes.get("superseded-by"), path, where, diagnostics, "superseded-by")
    expires = _date(attributes.get("expires"), path, f"{where}.expires", diagnostics)
    if len(diagnostics.errors) > problems_before or resolved["stage"] is None or not roles:
        return None
    return Lesson(
        id=ident,
        title=raw.title,
        line=raw.line,
        stage=resolved["stage"],
        roles=tuple(roles),
        prose=raw.prose,
        objection=resolved["objection"],
        result=resolved["result"],
        evidence=resolved["evidence"],
        confidence=resolved["confidence"],
        play=play,
        surfaced=resolved["surfaced"],
        expires=expires,
        superseded_by=superseded_by,
    )


def _one(
    key: str,
    attribute: RawAttribute | None,
    dimension: Dimension,
    path: str,
    field: str,
    diagnostics: Diagnostics,
) -> str | None:
    if attribute is None or not attribute.value.strip():
        if attribute is not None and key not in REQUIRED:
            diagnostics.warning(
                path,
                attribute.line,
                field,
                f"{key!r} is empty; give a value or remove the line",
                "empty-value",
            )
        return None
    return _resolve(attribute.value, attribute.line, dimension, path, field, diagnostics)


def _many(
    attribute: RawAttribute | None, dimension: Dimension, path: str, where: str, diagnostics: Diagnostics
) -> list[str]:
    if attribute is None or attribute.value.startswith("TODO"):
        return []
    slugs: list[str] = []
    for value in (v.strip() for v in attribute.value.strip().strip("[]").split(",")):
        if not value:
            continue
        slug = _resolve(value, attribute.line, dimension, path, f"{where}.roles", diagnostics)
        if slug is not None and slug not in slugs:
            slugs.append(slug)
    return slugs


def _resolve(
    value: str, line: int, dimension: Dimension, path: str, field: str, diagnostics: Diagnostics
) -> str | None:
    if value.startswith("TODO"):
        return None  # an untouched placeholder: reported once, as such, by the validator
    return dimension.resolve_and_report(value, path, line, field, diagnostics)


def _play(
    attribute: RawAttribute | None, path: str, where: str, diagnostics: Diagnostics, key: str = "play"
) -> str | None:
    if attribute is None or not attribute.value.strip():
        return None
    value = attribute.value.strip()
    if value.startswith("TODO"):
        return None  # an untouched placeholder, reported by the validator
    if not is_slug(value):
        diagnostics.error(
            path,
            attribute.line,
            f"{where}.{key}",
            f"play id {value!r} is not a slug (lowercase letters, digits, '-'); "
            f"did you mean {slugify(value)!r}?",
            "bad-play",
        )
        return None
    return value


def _date(attribute: RawAttribute | None, path: str, field: str, diagnostics: Diagnostics) -> date | None:
    if attribute is None or not attribute.value.strip():
        return None
    try:
        return date.fromisoformat(attribute.value.strip())
    except ValueError:
        diagnostics.error(
            path,
            attribute.line,
            field,
            f"expected a date (YYYY-MM-DD), got {attribute.value!r}",
            "wrong-type",
        )
        return None


def _missing(
    raw: RawLesson, key: str, taxonomy: Taxonomy, path: str, field: str, label: str, diagnostics: Diagnostics
) -> None:
    allowed = taxonomy.stages.slugs if key == "stage" else taxonomy.roles.slugs
    example = "stage: discovery" if key == "stage" else "roles: account-executive, sales-engineer"
    misplaced = next((a for a in raw.misplaced_attributes() if SYNONYMS.get(a.key, a.key) == key), None)
    hint = (
        f"; its '- {misplaced.key}:' line {misplaced.line} is below the prose: attributes must come "
        "directly under the heading"
        if misplaced
        else f"; add '- {example}' under its heading"
    )
    diagnostics.error(
        path,
        raw.line,
        field,
        f"{label} has no {key!r}{hint} (allowed: {', '.join(allowed)})",
        "missing-lesson-key",
    )
