"""Validate one retro file and build its model: front matter, taxonomy values, lessons."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from playbookgen.body import parse_body
from playbookgen.diagnostics import Diagnostics
from playbookgen.lessons import lesson_id, validate_lessons
from playbookgen.model import Competitor, Deal, Money, Person, Retro
from playbookgen.schema import DealFM, FrontMatter
from playbookgen.settings import SiteConfig
from playbookgen.sources import Source, split_front_matter
from playbookgen.taxonomy import Dimension, Taxonomy
from playbookgen.text import is_slug, slugify
from playbookgen.typecheck import check_model, field_path
from playbookgen.vocabulary import OUTCOMES, RETRO_FORMATS, VISIBILITIES
from playbookgen.yamlsource import LineMap, YamlError, load

EXPECTED = {
    "title": 'the retro\'s title as text, e.g. title: "Lost to Lumaroute in procurement"',
    "date": "the day the retro was held, YYYY-MM-DD",
    "deal": "a mapping with at least codename and outcome",
    "deal.codename": "the deal's safe codename, e.g. Falcon",
    "deal.outcome": "won | lost | no-decision | open",
    "deal.value": "a number, or {amount: 420000, currency: EUR}",
    "team": "a list of {name, role}",
    "retro": "a mapping with format and facilitator",
}
COMPETITOR_RESULTS = ("won", "lost", "also-ran")
RESERVED_IDS = {"index"}


def validate_retro(
    source: Source, taxonomy: Taxonomy, config: SiteConfig, diagnostics: Diagnostics
) -> Retro | None:
    """The retro, or None when it has errors (each reported to `diagnostics`)."""
    path = source.path
    errors_before = len(diagnostics.errors)
    split = split_front_matter(source.text)
    if split is None:
        diagnostics.error(
            path,
            1,
            None,
            "no front matter: the file must start with a '---' line, then YAML "
            "(title, date, deal), then another '---' line",
            "no-front-matter",
        )
        return None
    lines = LineMap(split.front_matter, split.front_matter_line)
    front_matter = _front_matter(split.front_matter, split.front_matter_line, path, lines, diagnostics)
    body = parse_body(split.body, split.body_line)
    if not body.lessons:
        diagnostics.error(
            path,
            body.lessons_line or split.body_line,
            "lessons",
            "no lessons: add a '## Lessons' section with '### ' headings",
            "no-lessons",
        )
    lessons = validate_lessons(body.lessons, taxonomy, path, diagnostics)
    if front_matter is None:
        return None
    retro_id = _retro_id(front_matter, path, lines, diagnostics)
    deal = _deal(front_matter.deal, taxonomy, config, path, lines, diagnostics)
    team = _team(front_matter, taxonomy, path, lines, diagnostics)
    visibility = _choice(
        front_matter.visibility or config.default_visibility,
        VISIBILITIES,
        "visibility",
        path,
        lines,
        diagnostics,
    )
    retro_format = None
    if front_matter.retro and front_matter.retro.format:
        retro_format = _choice(
            front_matter.retro.format, RETRO_FORMATS, "retro.format", path, lines, diagnostics
        )
    if len(diagnostics.errors) > errors_before or deal is None or retro_id is None:
        return None
    by_id = {lesson.id: lesson for lesson in lessons}
    parts = tuple(
        part if isinstance(part, str) else by_id[lesson_id(part)]
        for part in body.parts
        if isinstance(part, str) or lesson_id(part) in by_id
    )
    return Retro(
        id=retro_id,
        path=path,
        title=front_matter.title,
        date=front_matter.date,
        visibility=visibility or config.default_visibility,
        deal=deal,
        lessons=tuple(lessons),
        body_parts=parts,
        tags=tuple(front_matter.tags),
        team=tuple(team),
        retro_format=retro_format,
        facilitator=front_matter.retro.facilitator if front_matter.retro else None,
    )


def _front_matter(
    text: str, first_line: int, path: str, lines: LineMap, diagnostics: Diagnostics
) -> FrontMatter | None:
    try:
        data = load(text, first_line)
    except YamlError as exc:
        diagnostics.error(
            path, exc.line, None, f"{exc.message}; fix the front matter between the '---' lines", "yaml"
        )
        return None
    if data is None:
        diagnostics.error(
            path, first_line, None, "front matter is empty; required: title, date, deal", "missing-field"
        )
        return None
    if not isinstance(data, dict):
        diagnostics.error(
            path,
            first_line,
            None,
            "front matter must be a mapping of keys (title: ..., "
            f"date: ..., deal: ...), got {type(data).__name__}",
            "wrong-type",
        )
        return None
    return check_model(FrontMatter, data, path, lines, diagnostics, EXPECTED)


def _retro_id(front_matter: FrontMatter, path: str, lines: LineMap, diagnostics: Diagnostics) -> str | None:
    if front_matter.id is not None:
        ident = front_matter.id
        if not is_slug(ident):
            diagnostics.error(
                path,
                lines.line(["id"]),
                "id",
                f"{ident!r} is not a valid id: use lowercase letters, digits and '-', starting "
                f"with a letter or digit; did you mean {slugify(ident)!r}?",
                "bad-id",
            )
            return None
    else:
        ident = slugify(PurePosixPath(path).stem)
        if not ident:
            diagnostics.error(
                path, 1, "id", "the file name gives no usable id; rename the file or add 'id:'", "bad-id"
            )
            return None
    if ident in RESERVED_IDS:
        diagnostics.error(
            path,
            lines.line(["id"]),
            "id",
            f"{ident!r} is reserved for the retros index page; choose another id",
            "bad-id",
        )
        return None
    return ident


def _deal(
    raw: DealFM, taxonomy: Taxonomy, config: SiteConfig, path: str, lines: LineMap, diagnostics: Diagnostics
) -> Deal | None:
    outcome = _resolve(raw.outcome, OUTCOMES, ["deal", "outcome"], path, lines, diagnostics)
    reason = _resolve(
        raw.primary_reason, taxonomy.objections, ["deal", "primary_reason"], path, lines, diagnostics
    )
    stage = _resolve(raw.stage_reached, taxonomy.stages, ["deal", "stage_reached"], path, lines, diagnostics)
    if raw.opened and raw.closed and raw.closed < raw.opened:
        diagnostics.error(
            path,
            lines.line(["deal", "closed"]),
            "deal.closed",
            f"closed ({raw.closed}) is before opened ({raw.opened}); check both dates",
            "date-order",
        )
        return None
    competitors = []
    for i, competitor in enumerate(raw.competitors):
        if competitor.result is not None and competitor.result not in COMPETITOR_RESULTS:
            diagnostics.error(
                path,
                lines.line(["deal", "competitors", i, "result"]),
                f"deal.competitors[{i}].result",
                f"{competitor.result!r} is not allowed; expected {' | '.join(COMPETITOR_RESULTS)}",
                "bad-value",
            )
        competitors.append(Competitor(competitor.name, competitor.result))
    value = None
    if raw.value is not None:
        value = Money(raw.value.amount, raw.value.currency or raw.currency or config.default_currency)
    if outcome is None:
        return None
    return Deal(
        codename=raw.codename,
        outcome=outcome,
        account=raw.account,
        primary_reason=reason,
        stage_reached=stage,
        value=value,
        opened=raw.opened,
        closed=raw.closed,
        segment=raw.segment,
        industry=raw.industry,
        region=raw.region,
        products=tuple(raw.products),
        competitors=tuple(competitors),
    )


def _team(
    front_matter: FrontMatter, taxonomy: Taxonomy, path: str, lines: LineMap, diagnostics: Diagnostics
) -> list[Person]:
    team = []
    for i, person in enumerate(front_matter.team):
        role = _resolve(person.role, taxonomy.roles, ["team", i, "role"], path, lines, diagnostics)
        if role is not None:
            team.append(Person(person.name, role))
    return team


def _resolve(
    value: str | None,
    dimension: Dimension,
    loc: list[Any],
    path: str,
    lines: LineMap,
    diagnostics: Diagnostics,
) -> str | None:
    if value is None:
        return None
    resolution = dimension.resolve(value)
    field = field_path(loc)
    if resolution.error:
        diagnostics.error(path, lines.line(loc), field, resolution.error, f"unknown-{dimension.label}")
    if resolution.warning:
        diagnostics.warning(path, lines.line(loc), field, resolution.warning, "ambiguous-alias")
    return resolution.slug


def _choice(
    value: str, allowed: tuple[str, ...], field: str, path: str, lines: LineMap, diagnostics: Diagnostics
) -> str | None:
    normalised = slugify(value)
    if normalised in allowed:
        return normalised
    diagnostics.error(
        path,
        lines.line(field.split(".")),
        field,
        f"{value!r} is not allowed; expected {' | '.join(allowed)}",
        "bad-value",
    )
    return None
