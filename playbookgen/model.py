"""The validated playbook model: what every later step (grouping, rendering) works from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Money:
    amount: float
    currency: str


@dataclass(frozen=True)
class Competitor:
    name: str
    result: str | None = None  # won | lost | also-ran


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # a role slug


@dataclass(frozen=True)
class Deal:
    codename: str
    outcome: str
    account: str | None = None
    account_aliases: tuple[str, ...] = ()
    primary_reason: str | None = None
    stage_reached: str | None = None
    value: Money | None = None
    value_band: str | None = None  # set instead of value in audiences that may not see amounts
    opened: date | None = None
    closed: date | None = None
    segment: str | None = None
    industry: str | None = None
    region: str | None = None
    products: tuple[str, ...] = ()
    competitors: tuple[Competitor, ...] = ()

    @property
    def cycle_days(self) -> int | None:
        if self.opened and self.closed:
            return (self.closed - self.opened).days
        return None


@dataclass(frozen=True)
class Action:
    """A task item under '## Actions': '- [ ] Owner: what to do (due 2025-04-01)'."""

    text: str
    done: bool
    line: int
    owner: str | None = None
    due: date | None = None


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    line: int
    stage: str
    roles: tuple[str, ...]
    prose: str
    objection: str | None = None
    result: str | None = None
    evidence: str | None = None
    confidence: str | None = None
    play: str | None = None
    surfaced: str | None = None
    expires: date | None = None
    superseded_by: str | None = None  # a play id

    @property
    def excerpt(self) -> str:
        """The first paragraph of the prose."""
        return self.prose.strip().split("\n\n", 1)[0].strip() if self.prose.strip() else ""


@dataclass(frozen=True)
class Retro:
    id: str
    path: str
    title: str
    date: date
    visibility: str
    deal: Deal
    lessons: tuple[Lesson, ...]
    body_parts: tuple[str | Lesson, ...]
    id_line: int | None = None  # the line of an explicit `id:`, for diagnostics
    tags: tuple[str, ...] = ()
    team: tuple[Person, ...] = ()
    retro_format: str | None = None
    facilitator: str | None = None
    actions: tuple[Action, ...] = ()
    extra: dict[str, object] = field(default_factory=dict, compare=False)
