"""Learning across deals: plays ranked by evidence, freshness, win rates, competitors, who to ask.

Pure: computed from the (audience-filtered) playbook and a reference date, so a build is reproducible
given the same retros and the same date (SOURCE_DATE_EPOCH, see pipeline.today()).

The ranking rule, documented on the site's Plays page:
- a lesson's weight = result-and-outcome points x evidence factor x freshness factor;
  worked in a won deal 3, worked otherwise 2, missed in a lost or undecided deal 1.5, missed otherwise 1,
  not labelled 0.5, didn't work -2; evidence buyer-said 1.0, observed 0.9, inferred 0.6, not given 0.75;
  fresh 1.0, stale 0.5, retired 0;
- plays rank by the number of won deals where they worked (fresh lessons only), then by total weight,
  then by the most recent retro, then by id.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from playbookgen.group import Entry, Playbook
from playbookgen.model import Lesson, Retro
from playbookgen.text import slugify

RESULT_POINTS = {("worked", "won"): 3.0, ("worked", None): 2.0, ("missed", "lost"): 1.5,
                 ("missed", "no-decision"): 1.5, ("missed", None): 1.0, ("didnt-work", None): -2.0,
                 (None, None): 0.5}  # fmt: skip
EVIDENCE_FACTOR = {"buyer-said": 1.0, "observed": 0.9, "inferred": 0.6, None: 0.75}
FRESHNESS_FACTOR = {"fresh": 1.0, "stale": 0.5, "retired": 0.0}
MIN_N_FOR_RATE = 5
OUTCOME_ORDER = ("won", "lost", "no-decision", "open")


@dataclass(frozen=True)
class Outcomes:
    """Outcome counts among deals with a retro; a win rate only among closed deals, and only from n >= 5."""

    won: int = 0
    lost: int = 0
    no_decision: int = 0
    open: int = 0

    @property
    def closed(self) -> int:
        return self.won + self.lost + self.no_decision

    @property
    def win_rate(self) -> float | None:
        return self.won / self.closed if self.closed >= MIN_N_FOR_RATE else None

    @staticmethod
    def of(retros: list[Retro]) -> Outcomes:
        counts = Counter(r.deal.outcome for r in {r.id: r for r in retros}.values())
        return Outcomes(counts["won"], counts["lost"], counts["no-decision"], counts["open"])


@dataclass
class Play:
    id: str
    entries: list[Entry]  # best first
    title: str = ""
    title_entry: Entry | None = None
    score: float = 0.0
    worked_in_won: int = 0
    last_seen: date | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # result -> outcome -> deals

    @property
    def stages(self) -> list[str]:
        return list(dict.fromkeys(e.lesson.stage for e in self.entries))

    @property
    def roles(self) -> list[str]:
        return list(dict.fromkeys(r for e in self.entries for r in e.lesson.roles))

    @property
    def objections(self) -> list[str]:
        return list(dict.fromkeys(e.lesson.objection for e in self.entries if e.lesson.objection))


@dataclass
class Competitor:
    slug: str
    name: str
    retros: list[Retro]  # newest first
    they_won: int = 0
    entries: list[Entry] = field(default_factory=list)  # competitor-objection lessons from these deals

    @property
    def outcomes(self) -> Outcomes:
        return Outcomes.of(self.retros)


@dataclass
class Evidence:
    today: date
    stale_after_months: int
    freshness: dict[tuple[str, str], str]  # (retro id, lesson id) -> fresh | stale | retired
    weights: dict[tuple[str, str], float]
    plays: list[Play]  # ranked
    competitors: list[Competitor]  # by number of deals, then name

    def status(self, entry: Entry) -> str:
        return self.freshness[_key(entry)]

    def age_months(self, entry: Entry) -> int:
        return _months_between(entry.retro.date, self.today)

    def play(self, play_id: str) -> Play | None:
        return next((p for p in self.plays if p.id == play_id), None)

    def plays_for(self, entries: list[Entry]) -> list[Play]:
        """The ranked plays that have a lesson among `entries`."""
        ids = {e.lesson.play for e in entries if e.lesson.play}
        return [p for p in self.plays if p.id in ids]

    def ungrouped(self, entries: list[Entry]) -> list[Entry]:
        return _unique([e for e in entries if not e.lesson.play])

    def ranked(self, entries: list[Entry]) -> list[Entry]:
        """Fresh before stale before retired, then by weight, newest first, in a stable order."""
        order = {"fresh": 0, "stale": 1, "retired": 2}
        return sorted(
            _unique(entries),
            key=lambda e: (
                order[self.status(e)],
                -self.weights[_key(e)],
                -e.retro.date.toordinal(),
                e.retro.id,
                e.lesson.id,
            ),
        )

    def outcomes(self, entries: list[Entry]) -> Outcomes:
        return Outcomes.of([e.retro for e in entries])

    def who_to_ask(self, entries: list[Entry]) -> list[tuple[str, str, int]]:
        """People on won deals whose role ran one of these lessons: (name, role, deals), most deals first."""
        deals: dict[tuple[str, str], set[str]] = defaultdict(set)
        for entry in entries:
            if entry.retro.deal.outcome != "won":
                continue
            for person in entry.retro.team:
                if person.role in entry.lesson.roles:
                    deals[(person.name, person.role)].add(entry.retro.id)
        return sorted(((n, r, len(ids)) for (n, r), ids in deals.items()), key=lambda x: (-x[2], x[0], x[1]))


def build_evidence(playbook: Playbook, today: date, stale_after_months: int) -> Evidence:
    freshness = {_key(e): _freshness(e.lesson, e.retro, today, stale_after_months) for e in playbook.entries}
    weights = {_key(e): _weight(e, freshness[_key(e)]) for e in playbook.entries}
    evidence = Evidence(today, stale_after_months, freshness, weights, [], [])
    evidence.plays = _plays(playbook.entries, evidence)
    evidence.competitors = _competitors(playbook)
    return evidence


def expired_best_titles(evidence: Evidence) -> list[tuple[Play, Entry]]:
    """Plays whose best title still comes from an expired or superseded lesson (every lesson is retired)."""
    return [
        (p, p.title_entry)
        for p in evidence.plays
        if p.title_entry is not None and evidence.status(p.title_entry) == "retired"
    ]


def _key(entry: Entry) -> tuple[str, str]:
    return (entry.retro.id, entry.lesson.id)


def _unique(entries: list[Entry]) -> list[Entry]:
    return list({_key(e): e for e in entries}.values())


def _months_between(earlier: date, later: date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def _freshness(lesson: Lesson, retro: Retro, today: date, stale_after_months: int) -> str:
    if lesson.superseded_by or (lesson.expires is not None and lesson.expires <= today):
        return "retired"
    return "stale" if _months_between(retro.date, today) >= stale_after_months else "fresh"


def _weight(entry: Entry, freshness: str) -> float:
    result, outcome = entry.lesson.result, entry.retro.deal.outcome
    points = RESULT_POINTS.get((result, outcome), RESULT_POINTS.get((result, None), 0.0))
    return points * EVIDENCE_FACTOR[entry.lesson.evidence] * FRESHNESS_FACTOR[freshness]


def _plays(entries: list[Entry], evidence: Evidence) -> list[Play]:
    grouped: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.lesson.play:
            grouped[entry.lesson.play].append(entry)
    plays = []
    for play_id, members in grouped.items():
        ranked = evidence.ranked(members)
        play = Play(play_id, ranked, title_entry=ranked[0], title=ranked[0].lesson.title)
        play.score = round(sum(evidence.weights[_key(e)] for e in ranked), 3)
        play.worked_in_won = len(
            {
                e.retro.id
                for e in ranked
                if e.lesson.result == "worked"
                and e.retro.deal.outcome == "won"
                and evidence.status(e) == "fresh"
            }
        )
        play.last_seen = max(e.retro.date for e in ranked)
        counts: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for e in ranked:
            counts[e.lesson.result or "unlabelled"][e.retro.deal.outcome].add(e.retro.id)
        play.counts = {result: {o: len(ids) for o, ids in by.items()} for result, by in counts.items()}
        plays.append(play)
    return sorted(
        plays, key=lambda p: (-p.worked_in_won, -p.score, -(p.last_seen or date.min).toordinal(), p.id)
    )


def _competitors(playbook: Playbook) -> list[Competitor]:
    found: dict[str, Competitor] = {}
    seen: set[tuple[str, str]] = set()  # (competitor slug, retro id)
    for retro in playbook.retros:  # newest first
        for competitor in retro.deal.competitors:
            slug = slugify(competitor.name) or "competitor"
            entry = found.setdefault(slug, Competitor(slug, competitor.name, []))
            if (slug, retro.id) in seen:
                continue  # the same competitor listed twice on one deal
            seen.add((slug, retro.id))
            entry.retros.append(retro)
            entry.they_won += competitor.result == "won"
            entry.entries.extend(
                Entry(retro, lesson) for lesson in retro.lessons if lesson.objection == "competitor"
            )
    return sorted(found.values(), key=lambda c: (-len(c.retros), c.name.casefold()))
