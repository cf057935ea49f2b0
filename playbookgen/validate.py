"""Validate one retro file and build its model: front matter, taxonomy values, lessons.

Types are checked by the pydantic models in schema.py; taxonomy and vocabulary values are resolved from
the raw front matter in the same run, so one file's problems are all reported together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

from playbookgen.body import RawAction, parse_body
from playbookgen.diagnostics import Diagnostics
from playbookgen.html_safety import raw_html_problems
from playbookgen.lessons import lesson_id, validate_lessons
from playbookgen.model import Action, Competitor, Deal, Lesson, Money, Person, Retro
from playbookgen.schema import FrontMatter
from playbookgen.settings import SiteConfig
from playbookgen.sources import Source, split_front_matter, starts_front_matter
from playbookgen.taxonomy import Dimension, Taxonomy
from playbookgen.text import is_slug, slugify
from playbookgen.typecheck import check_model, field_path
from playbookgen.vocabulary import COMPETITOR_RESULTS, OUTCOMES, RETRO_FORMATS, VISIBILITY
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
RESERVED_IDS = {"index"}
MAX_ID_LENGTH = 100
_YAML_ONLY_LINE_BREAKS = {0x85: " ", 0x2028: " ", 0x2029: " "}


@dataclass
class _Values:
    """Front matter values resolved against the taxonomy and the format's vocabularies."""

    outcome: str | None = None
    primary_reason: str | None = None
    stage_reached: str | None = None
    visibility: str | None = None
    retro_format: str | None = None
    roles: dict[int, str] = field(default_factory=dict)  # team index -> role slug
    competitor_results: dict[int, str] = field(default_factory=dict)


def validate_retro(
    source: Source, taxonomy: Taxonomy, config: SiteConfig, diagnostics: Diagnostics
) -> Retro | None:
    """The retro, or None when it has errors (each reported to `diagnostics`)."""
    path = source.path
    errors_before = len(diagnostics.errors)
    split = split_front_matter(source.text)
    if split is None:
        message = (
            "front matter is not closed: add a '---' line after the YAML, before the body"
            if starts_front_matter(source.text)
            else "no front matter: the file must start with a '---' line, then YAML "
            "(title, date, deal), then another '---' line"
        )
        diagnostics.error(path, 1, None, message, "no-front-matter")
        return None
    # YAML also breaks lines at U+0085, U+2028 and U+2029; as spaces they cannot shift its line numbers.
    front_matter_text = split.front_matter
    if not front_matter_text.isascii():  # str.translate looks up every character: 60 ms at 5,000 retros
        front_matter_text = front_matter_text.translate(_YAML_ONLY_LINE_BREAKS)
    lines = LineMap(front_matter_text, split.front_matter_line)
    data = _front_matter_data(front_matter_text, split.front_matter_line, path, diagnostics)
    body = parse_body(split.body, split.body_line)
    _report_placeholders(source.text, path, diagnostics)
    for problem in raw_html_problems(split.body, split.body_line):
        diagnostics.warning(
            path,
            problem.line,
            "body",
            f"raw HTML {problem.snippet!r} will be stripped from the "
            f"published page: {problem.reason}; use Markdown instead",
            "raw-html",
        )
    if not body.lessons:
        diagnostics.error(
            path,
            body.lessons_line or split.body_line,
            "lessons",
            "no lessons: add a '## Lessons' section with '### ' headings",
            "no-lessons",
        )
    lessons = validate_lessons(body.lessons, taxonomy, path, diagnostics)
    if data is None:
        return None
    front_matter = check_model(FrontMatter, data, path, lines, diagnostics, EXPECTED)
    values = _resolve_values(data, taxonomy, path, lines, diagnostics)
    _check_dates(data, path, lines, diagnostics)
    retro_id = _retro_id(data.get("id"), path, lines, diagnostics)
    if front_matter is not None:
        _warn_partial_account_names(front_matter, source.text, path, lines, diagnostics)
    if front_matter is None or retro_id is None or len(diagnostics.errors) > errors_before:
        return None
    by_id = {lesson.id: lesson for lesson in lessons}
    parts: list[str | Lesson] = []
    for part in body.parts:
        parts.append(part if isinstance(part, str) else by_id[lesson_id(part)])  # every lesson is valid here
    return Retro(
        id=retro_id,
        id_line=lines.line(["id"]) if "id" in data else None,
        path=path,
        title=front_matter.title,
        date=front_matter.date,
        visibility=values.visibility or config.default_visibility,
        deal=_deal(front_matter, values, config),
        lessons=tuple(lessons),
        body_parts=tuple(parts),
        tags=tuple(front_matter.tags),
        team=tuple(Person(p.name, values.roles[i]) for i, p in enumerate(front_matter.team)),
        retro_format=values.retro_format,
        facilitator=front_matter.retro.facilitator if front_matter.retro else None,
        actions=tuple(_action(raw, path, diagnostics) for raw in body.actions),
    )


def _front_matter_data(
    text: str, first_line: int, path: str, diagnostics: Diagnostics
) -> dict[str, Any] | None:
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
    return data


def _resolve_values(
    data: dict[str, Any], taxonomy: Taxonomy, path: str, lines: LineMap, diagnostics: Diagnostics
) -> _Values:
    """Resolve every taxonomy or vocabulary value that is text; wrong types are left to the type check."""

    def resolve(value: Any, dimension: Dimension, loc: list[str | int]) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not str(value).strip():
            return None
        return dimension.resolve_and_report(
            str(value), path, lambda: lines.line(loc), field_path(loc), diagnostics
        )

    deal = _mapping(data.get("deal"))
    retro = _mapping(data.get("retro"))
    values = _Values(
        outcome=resolve(deal.get("outcome"), OUTCOMES, ["deal", "outcome"]),
        primary_reason=resolve(deal.get("primary_reason"), taxonomy.objections, ["deal", "primary_reason"]),
        stage_reached=resolve(deal.get("stage_reached"), taxonomy.stages, ["deal", "stage_reached"]),
        visibility=resolve(data.get("visibility"), VISIBILITY, ["visibility"]),
        retro_format=resolve(retro.get("format"), RETRO_FORMATS, ["retro", "format"]),
    )
    for i, person in _items(data.get("team")):
        role = resolve(_mapping(person).get("role"), taxonomy.roles, ["team", i, "role"])
        if role is not None:
            values.roles[i] = role
    for i, competitor in _items(deal.get("competitors")):
        result = resolve(
            _mapping(competitor).get("result"), COMPETITOR_RESULTS, ["deal", "competitors", i, "result"]
        )
        if result is not None:
            values.competitor_results[i] = result
    return values


def _check_dates(data: dict[str, Any], path: str, lines: LineMap, diagnostics: Diagnostics) -> None:
    deal = _mapping(data.get("deal"))
    opened, closed = deal.get("opened"), deal.get("closed")
    if _is_day(opened) and _is_day(closed) and closed < opened:
        diagnostics.error(
            path,
            lines.line(["deal", "closed"]),
            "deal.closed",
            f"closed ({closed}) is before opened ({opened}); check both dates",
            "date-order",
        )


def _retro_id(raw: Any, path: str, lines: LineMap, diagnostics: Diagnostics) -> str | None:
    if raw is not None:
        ident = str(raw).strip()
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
    if len(ident) > MAX_ID_LENGTH:
        diagnostics.error(
            path,
            lines.line(["id"]),
            "id",
            f"the id is {len(ident)} characters long (limit {MAX_ID_LENGTH}): it becomes the page's address "
            "and file name; set a shorter 'id:' or rename the file",
            "bad-id",
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


def _deal(front_matter: FrontMatter, values: _Values, config: SiteConfig) -> Deal:
    raw = front_matter.deal
    value = None
    if raw.value is not None:
        value = Money(raw.value.amount, raw.value.currency or raw.currency or config.default_currency)
    assert values.outcome is not None  # a missing or unknown outcome is an error reported above
    return Deal(
        codename=raw.codename,
        outcome=values.outcome,
        account=raw.account,
        account_aliases=tuple(raw.account_aliases),
        primary_reason=values.primary_reason,
        stage_reached=values.stage_reached,
        value=value,
        opened=raw.opened,
        closed=raw.closed,
        segment=raw.segment,
        industry=raw.industry,
        region=raw.region,
        products=tuple(raw.products),
        competitors=tuple(
            Competitor(c.name, values.competitor_results.get(i)) for i, c in enumerate(raw.competitors)
        ),
    )


# Words of an account name too generic to redact on their own.
_GENERIC_WORDS = {
    "the", "and", "of", "for", "group", "holdings", "holding", "inc", "ltd", "limited", "gmbh", "ag", "sa",
    "plc", "llc", "corp", "corporation", "company", "co", "bank", "services", "solutions", "systems",
    "international", "global", "partners", "authority", "council", "city", "university", "national",
    "federal", "state",
}  # fmt: skip


def _warn_partial_account_names(
    front_matter: FrontMatter, text: str, path: str, lines: LineMap, diagnostics: Diagnostics
) -> None:
    """Warn when a body names the account by part of its name (`Halvorsen's CFO`) that no alias covers:
    redaction replaces whole names only, so that mention would reach internal and public builds."""
    account = front_matter.deal.account
    if not account:
        return
    # The first distinctive word is how people shorten a company's name ("Halvorsen" for Halvorsen Freight).
    words = [
        w
        for w in re.findall(r"[^\W\d_][\w'-]*", account)
        if len(w) >= 4 and w.casefold() not in _GENERIC_WORDS
    ][:1]
    if not words or words[0] not in text:
        return
    # Plain string operations: a pattern compiled per retro overflows re's cache on large corpora.
    remaining = text.casefold()
    for known in sorted([account, *front_matter.deal.account_aliases], key=len, reverse=True):
        remaining = remaining.replace(known.casefold(), " ")
    for word in words:
        if _contains_word(remaining, word.casefold()):
            diagnostics.warning(
                path,
                lines.line(["deal", "account"]),
                "deal.account_aliases",
                f"the retro mentions {word!r} (part of the account {account!r}) on its own; add it to "
                f"deal.account_aliases so it is replaced by the codename below the team audience",
                "account-alias",
            )


PLACEHOLDER = re.compile(r"\bTODO\b")


def _report_placeholders(text: str, path: str, diagnostics: Diagnostics) -> None:
    """`playbookgen new` marks what a writer must fill in with TODO: unfinished retros are never published."""
    if "TODO" not in text:
        return
    lines = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if PLACEHOLDER.search(line)]
    if not lines:
        return
    first, line = lines[0]
    others = f"; more TODOs on lines {', '.join(str(n) for n, _ in lines[1:])}" if len(lines) > 1 else ""
    diagnostics.error(
        path,
        first,
        None,
        f"unfinished retro: replace the placeholder {line.strip()[:60]!r} (or delete the line){others}; "
        f"{len(lines)} placeholder line(s) in all",
        "placeholder",
    )


_OWNER = re.compile(r"^([^:()\[\]]{1,60}):\s+(.+)$")
_DUE = re.compile(r"\(?\bdue:?\s+(\d{4}-\d{2}-\d{2})\)?", re.IGNORECASE)


def _action(raw: RawAction, path: str, diagnostics: Diagnostics) -> Action:
    """'Owner: what to do (due 2025-04-01)': the owner is the text before the first colon."""
    owner_match = _OWNER.match(raw.text)
    owner, text = (owner_match.group(1).strip(), owner_match.group(2)) if owner_match else (None, raw.text)
    due = None
    if due_match := _DUE.search(text):
        try:
            due = date.fromisoformat(due_match.group(1))
        except ValueError:
            diagnostics.warning(
                path,
                raw.line,
                "actions",
                f"due date {due_match.group(1)!r} is not a real date; it is ignored",
                "wrong-type",
            )
        text = (text[: due_match.start()] + text[due_match.end() :]).strip()
    return Action(text=text, done=raw.done, line=raw.line, owner=owner, due=due)


def _contains_word(text: str, word: str) -> bool:
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        if (start == 0 or not text[start - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        start = text.find(word, start + 1)
    return False


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _items(value: Any) -> list[tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def _is_day(value: Any) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)
