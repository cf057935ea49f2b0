"""Group validated retros into the playbook's views: by stage, role and objection."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from playbookgen.model import Lesson, Retro
from playbookgen.settings import SiteConfig
from playbookgen.taxonomy import Dimension, Taxonomy

RESULT_BUCKETS = ("worked", "didnt-work", "missed", "unlabelled")


@dataclass(frozen=True)
class Entry:
    """One lesson in the context of its retro."""

    retro: Retro
    lesson: Lesson


@dataclass
class Playbook:
    taxonomy: Taxonomy
    config: SiteConfig
    retros: list[Retro]  # newest first
    entries: list[Entry]  # every lesson, newest retro first, in the retro's own order
    by_stage: dict[str, dict[str, list[Entry]]] = field(default_factory=dict)  # stage -> role -> entries
    by_role: dict[str, dict[str, list[Entry]]] = field(default_factory=dict)  # role -> stage -> entries
    by_objection: dict[str, dict[str, list[Entry]]] = field(default_factory=dict)  # objection -> result
    decided_by: dict[str, list[Retro]] = field(default_factory=dict)  # objection -> retros it decided
    outcomes: Counter[str] = field(default_factory=Counter)

    _filed: dict[tuple[str, str], list[Entry]] = field(default_factory=dict, repr=False, compare=False)
    _order: dict[int, int] = field(default_factory=dict, repr=False, compare=False)  # id(entry) -> index

    def entries_for(self, dimension: str, slug: str) -> list[Entry]:
        """Every lesson filed under one stage, role or objection, each once, in corpus order (computed once:
        pages ask for the same group several times)."""
        if (dimension, slug) not in self._filed:
            groups = {"stages": self.by_stage, "roles": self.by_role, "objections": self.by_objection}
            if not self._order:
                self._order = {id(e): i for i, e in enumerate(self.entries)}
            # A lesson with two roles is filed twice under its stage: keep it once, by identity.
            found = {id(e): e for entries in groups[dimension][slug].values() for e in entries}
            place = {self._order[key]: e for key, e in found.items() if key in self._order}
            self._filed[dimension, slug] = [place[i] for i in sorted(place)]
        return self._filed[dimension, slug]

    def count(self, dimension: str, slug: str) -> int:
        return len(self.entries_for(dimension, slug))


def build_playbook(retros: list[Retro], taxonomy: Taxonomy, config: SiteConfig) -> Playbook:
    ordered = sorted(retros, key=lambda r: (-r.date.toordinal(), r.id))
    entries = [Entry(retro, lesson) for retro in ordered for lesson in retro.lessons]
    playbook = Playbook(taxonomy, config, ordered, entries)
    playbook.by_stage = _nested(
        taxonomy.stages, taxonomy.roles, entries, lambda e: [e.lesson.stage], lambda e: list(e.lesson.roles)
    )
    playbook.by_role = _nested(
        taxonomy.roles, taxonomy.stages, entries, lambda e: list(e.lesson.roles), lambda e: [e.lesson.stage]
    )
    playbook.by_objection = {
        slug: {bucket: [] for bucket in RESULT_BUCKETS} for slug in taxonomy.objections.slugs
    }
    for entry in entries:
        if entry.lesson.objection:
            playbook.by_objection[entry.lesson.objection][entry.lesson.result or "unlabelled"].append(entry)
    playbook.decided_by = {slug: [] for slug in taxonomy.objections.slugs}
    for retro in ordered:
        if retro.deal.primary_reason:
            playbook.decided_by[retro.deal.primary_reason].append(retro)
    playbook.outcomes = Counter(retro.deal.outcome for retro in ordered)
    return playbook


def _nested(
    outer: Dimension,
    inner: Dimension,
    entries: list[Entry],
    outer_keys: Callable[[Entry], list[str]],
    inner_keys: Callable[[Entry], list[str]],
) -> dict[str, dict[str, list[Entry]]]:
    """outer slug -> inner slug -> entries; both levels in taxonomy order, empty inner groups left out."""
    grouped: dict[str, dict[str, list[Entry]]] = {
        slug: {slug2: [] for slug2 in inner.slugs} for slug in outer.slugs
    }
    for entry in entries:
        for key in outer_keys(entry):
            for key2 in inner_keys(entry):
                grouped[key][key2].append(entry)
    return {slug: {k: v for k, v in groups.items() if v} for slug, groups in grouped.items()}
