"""Audiences: which retros a build may publish, and what is redacted in them (pure: model in, model out).

| audience | retros        | account                 | value   | people's names |
|----------|---------------|-------------------------|---------|----------------|
| team     | all           | shown                   | shown   | shown          |
| internal | internal+     | replaced by the codename| a band  | shown          |
| public   | public only   | replaced by the codename| hidden  | replaced by their role |

Redaction works on text, whole words, case-insensitively for accounts; the same view also lists the
strings that must not appear anywhere in the built site (see leaks.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from playbookgen.model import Deal, Lesson, Money, Person, Retro
from playbookgen.settings import SiteConfig
from playbookgen.taxonomy import Taxonomy

AUDIENCES = ("team", "internal", "public")
VISIBLE_TO = {
    "team": {"team", "internal", "public"},
    "internal": {"internal", "public"},
    "public": {"public"},
}


@dataclass(frozen=True)
class Forbidden:
    text: str
    reason: str  # e.g. "account of Falcon"


@dataclass(frozen=True)
class AudienceView:
    audience: str
    retros: list[Retro]  # visible and redacted
    excluded: list[Retro]
    forbidden: list[Forbidden]


def for_audience(retros: list[Retro], audience: str, taxonomy: Taxonomy, config: SiteConfig) -> AudienceView:
    visible = [r for r in retros if r.visibility in VISIBLE_TO[audience]]
    excluded = [r for r in retros if r.visibility not in VISIBLE_TO[audience]]
    if audience == "team":
        return AudienceView(audience, visible, excluded, [])
    accounts = _account_replacements(visible, excluded)
    people = _people_replacements(retros, taxonomy) if audience == "public" else {}
    redacted = [_redact(r, audience, accounts, people, taxonomy, config) for r in visible]
    return AudienceView(audience, redacted, excluded, _forbidden(retros, excluded, redacted, audience))


class _Replacer:
    """Replaces whole-word occurrences of several phrases at once, longest phrase first."""

    def __init__(self, table: dict[str, str], ignore_case: bool) -> None:
        self.table = {(k.casefold() if ignore_case else k): v for k, v in table.items()}
        self.ignore_case = ignore_case
        phrases = sorted(table, key=len, reverse=True)
        body = "|".join(re.escape(p) for p in phrases)
        flags = re.IGNORECASE if ignore_case else 0
        self.pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", flags) if phrases else None

    def __call__(self, text: str) -> str:
        if self.pattern is None or not text:
            return text
        return self.pattern.sub(self._replacement, text)

    def _replacement(self, match: re.Match[str]) -> str:
        found = match.group(0)
        return self.table[found.casefold() if self.ignore_case else found]


ANONYMOUS_ACCOUNT = "another customer"


def _account_replacements(visible: list[Retro], excluded: list[Retro]) -> dict[str, str]:
    """Accounts of published retros become their codename; accounts of retros this audience may not
    see become a neutral phrase, since even their codename would reveal those retros."""
    table: dict[str, str] = {}
    for retro in visible:
        for name in _account_names(retro):
            table.setdefault(name, retro.deal.codename)
    for retro in excluded:
        for name in _account_names(retro):
            table.setdefault(name, ANONYMOUS_ACCOUNT)
    return table


def _account_names(retro: Retro) -> list[str]:
    names = [retro.deal.account, *retro.deal.account_aliases] if retro.deal.account else []
    return [n for n in names if n and n.strip()]


def _people_replacements(retros: list[Retro], taxonomy: Taxonomy) -> dict[str, str]:
    """Full names and first names -> "the <role>"; the first role a person is seen in wins."""
    table: dict[str, str] = {}
    for retro in sorted(retros, key=lambda r: (r.date, r.id)):
        for person in retro.team:
            label = role_label(person.role, taxonomy)
            table.setdefault(person.name, label)
            first = person.name.split()[0] if person.name.split() else ""
            if len(first) > 1 and first != person.name:
                table.setdefault(first, label)
        if retro.facilitator:
            table.setdefault(retro.facilitator, "the facilitator")
    return table


def role_label(role: str, taxonomy: Taxonomy) -> str:
    return f"the {taxonomy.roles.term(role).name.lower()}"


def _redact(
    retro: Retro,
    audience: str,
    accounts: dict[str, str],
    people: dict[str, str],
    taxonomy: Taxonomy,
    config: SiteConfig,
) -> Retro:
    # This retro's own team decides how its people are named; other people fall back to the global table.
    own = {p.name: role_label(p.role, taxonomy) for p in retro.team}
    own.update(
        {p.name.split()[0]: role_label(p.role, taxonomy) for p in retro.team if len(p.name.split()) > 1}
    )
    account_text = _Replacer(accounts, ignore_case=True)
    people_text = _Replacer({**people, **own}, ignore_case=False) if audience == "public" else None

    def text(value: str) -> str:
        value = account_text(value)
        return people_text(value) if people_text else value

    lessons = {lesson.id: _redact_lesson(lesson, text) for lesson in retro.lessons}
    team = retro.team
    facilitator = retro.facilitator
    if audience == "public":
        team = tuple(Person(role_label(p.role, taxonomy), p.role) for p in retro.team)
        facilitator = own.get(facilitator, "the facilitator") if facilitator else None
    return replace(
        retro,
        title=text(retro.title),
        deal=_redact_deal(retro.deal, audience, text, config),
        lessons=tuple(lessons.values()),
        body_parts=tuple(text(p) if isinstance(p, str) else lessons[p.id] for p in retro.body_parts),
        tags=tuple(text(t) for t in retro.tags),
        actions=tuple(
            replace(a, text=text(a.text), owner=text(a.owner) if a.owner else None) for a in retro.actions
        ),
        team=team,
        facilitator=facilitator,
    )


def _redact_lesson(lesson: Lesson, text: Callable[[str], str]) -> Lesson:
    return replace(lesson, title=text(lesson.title), prose=text(lesson.prose))


def _redact_deal(deal: Deal, audience: str, text: Callable[[str], str], config: SiteConfig) -> Deal:
    band = value_band(deal.value, config.value_bands) if audience == "internal" and deal.value else None
    return replace(
        deal,
        account=None,
        account_aliases=(),
        value=None,
        value_band=band,
        segment=text(deal.segment) if deal.segment else None,
        industry=text(deal.industry) if deal.industry else None,
        region=text(deal.region) if deal.region else None,
        products=tuple(text(p) for p in deal.products),
        competitors=tuple(replace(c, name=text(c.name)) for c in deal.competitors),
    )


def value_band(value: Money | None, bounds: Iterable[float]) -> str | None:
    """420000 EUR with bounds [.., 250000, 500000, ..] -> "250k-500k EUR"."""
    if value is None:
        return None
    lower = 0.0
    for upper in sorted(bounds):
        if value.amount < upper:
            return (
                f"{_short(lower)}–{_short(upper)} {value.currency}"
                if lower
                else f"under {_short(upper)} {value.currency}"
            )
        lower = upper
    return f"{_short(lower)}+ {value.currency}" if lower else f"{value.currency}"


def _short(amount: float) -> str:
    if amount >= 1_000_000:
        return f"{amount / 1_000_000:g}M"
    if amount >= 1_000:
        return f"{amount / 1_000:g}k"
    return f"{amount:g}"


def _forbidden(
    retros: list[Retro], excluded: list[Retro], published: list[Retro], audience: str
) -> list[Forbidden]:
    forbidden: dict[str, Forbidden] = {}

    def add(value: str | None, reason: str) -> None:
        if value and len(value.strip()) >= 3:
            forbidden.setdefault(value.strip().casefold(), Forbidden(value.strip(), reason))

    for retro in retros:
        for name in _account_names(retro):
            add(name, f"account of {retro.deal.codename}")
        if audience == "public":
            for person in retro.team:
                add(person.name, f"team member on {retro.deal.codename}")
            add(retro.facilitator, f"facilitator of {retro.deal.codename}")
    # Titles and codenames of excluded retros, unless a published retro carries the same words.
    shown = {s.casefold() for r in published for s in (r.title, r.deal.codename)}
    for retro in excluded:
        for value, what in ((retro.title, "title"), (retro.deal.codename, "codename")):
            if value.casefold() not in shown:
                add(value, f"{what} of a retro not visible to the {audience} audience ({retro.path})")
    return sorted(forbidden.values(), key=lambda f: f.text.casefold())
