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
from dataclasses import replace
from typing import TYPE_CHECKING

import ahocorasick

from playbookgen.model import Action, Competitor, Deal, Lesson, Money, Person, Retro
from playbookgen.results import VISIBLE_TO, AudienceView, Forbidden
from playbookgen.taxonomy import Taxonomy

if TYPE_CHECKING:
    from playbookgen.settings import SiteConfig


def for_audience(retros: list[Retro], audience: str, taxonomy: Taxonomy, config: SiteConfig) -> AudienceView:
    visible = [r for r in retros if r.visibility in VISIBLE_TO[audience]]
    excluded = [r for r in retros if r.visibility not in VISIBLE_TO[audience]]
    if audience == "team":
        return AudienceView(audience, visible, excluded, [])
    accounts = _Replacer(_account_replacements(visible, excluded), ignore_case=True)
    people = (
        _Replacer(_people_replacements(retros, taxonomy), ignore_case=False) if audience == "public" else None
    )
    redacted = [_redact(r, audience, accounts, people, taxonomy, config) for r in visible]
    return AudienceView(audience, redacted, excluded, _forbidden(retros, excluded, redacted, audience))


class _Replacer:
    """Replaces whole-word occurrences of many phrases at once, leftmost and longest first.

    Built once per build (an Aho-Corasick automaton over every phrase), then run over each text: the cost
    grows with the text, not with the number of accounts or people.
    """

    def __init__(self, table: dict[str, str], ignore_case: bool) -> None:
        self.ignore_case = ignore_case
        self.table = {self._key(k): v for k, v in table.items() if k}
        self.automaton = ahocorasick.Automaton()
        for key in self.table:
            self.automaton.add_word(key, key)
        if self.table:
            self.automaton.make_automaton()
        self._fallback: re.Pattern[str] | None = None

    def _key(self, text: str) -> str:
        return text.lower() if self.ignore_case else text

    def __call__(self, text: str, overrides: dict[str, str] | None = None) -> str:
        if not self.table or not text:
            return text
        haystack = self._key(text)
        if len(haystack) != len(text):  # lower-casing changed lengths (rare letters): use a regex instead
            return self._regex().sub(lambda m: self._replacement(self._key(m.group(0)), overrides), text)
        hits = list(self.automaton.iter(haystack))
        if not hits:  # most texts name no one
            return text
        matches = sorted(
            (
                (end - len(key) + 1, end + 1, key)
                for end, key in hits
                if _is_word(haystack, end - len(key) + 1, end + 1)
            ),
            key=lambda m: (m[0], m[0] - m[1]),
        )
        out, position = [], 0
        for start, stop, key in matches:
            if start >= position:
                out += [text[position:start], self._replacement(key, overrides)]
                position = stop
        return "".join(out) + text[position:] if out else text

    def _replacement(self, key: str, overrides: dict[str, str] | None) -> str:
        return overrides[key] if overrides and key in overrides else self.table[key]

    def _regex(self) -> re.Pattern[str]:
        if self._fallback is None:
            body = "|".join(re.escape(k) for k in sorted(self.table, key=len, reverse=True))
            self._fallback = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE if self.ignore_case else 0)
        return self._fallback


def _is_word(text: str, start: int, stop: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[stop] if stop < len(text) else " "
    return not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_")


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
    accounts: _Replacer,
    people: _Replacer | None,
    taxonomy: Taxonomy,
    config: SiteConfig,
) -> Retro:
    # This retro's own team decides how its people are named (others: the global table); only the public
    # audience replaces people's names.
    own: dict[str, str] = {}
    if people is not None:
        own = {p.name: role_label(p.role, taxonomy) for p in retro.team}
        own.update(
            {p.name.split()[0]: role_label(p.role, taxonomy) for p in retro.team if len(p.name.split()) > 1}
        )

    def text(value: str) -> str:
        value = accounts(value)
        return people(value, own) if people is not None else value

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
        actions=tuple(_redact_action(a, text) for a in retro.actions),
        team=team,
        facilitator=facilitator,
    )


def _redact_lesson(lesson: Lesson, text: Callable[[str], str]) -> Lesson:
    """The lesson itself when it names no one (most do not): the records are immutable, and copying
    17,000 lessons at 5,000 retros is most of the redaction's cost."""
    title, prose = text(lesson.title), text(lesson.prose)
    if title is lesson.title and prose is lesson.prose:
        return lesson
    return replace(lesson, title=title, prose=prose)


def _redact_action(action: Action, text: Callable[[str], str]) -> Action:
    words, owner = text(action.text), text(action.owner) if action.owner else action.owner
    if words is action.text and owner is action.owner:
        return action
    return replace(action, text=words, owner=owner)


def _redact_competitor(competitor: Competitor, text: Callable[[str], str]) -> Competitor:
    name = text(competitor.name)
    return competitor if name is competitor.name else replace(competitor, name=name)


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
        competitors=tuple(_redact_competitor(c, text) for c in deal.competitors),
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
