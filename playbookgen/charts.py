"""Charts as inline SVG written at build time: no script, no CDN, legible in light and dark mode.

Each chart has a title and a description for screen readers, and its data as rows for a table
fallback (the templates print the table next to the picture). Colours come from CSS classes in
assets/playbookgen.css, so both colour schemes can style them.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass

from playbookgen.evidence import MIN_N_FOR_RATE, OUTCOME_ORDER, Outcomes
from playbookgen.group import Playbook

ROW_HEIGHT = 24
LABEL_WIDTH = 190
BAR_WIDTH = 360
LEGEND_HEIGHT = 22


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str
    header: list[str]
    rows: list[list[str]]
    svg: str


def outcomes_by_stage(playbook: Playbook) -> Chart:
    stages = playbook.taxonomy.stages
    counts = {
        s: Counter(r.deal.outcome for r in playbook.retros if r.deal.stage_reached == s) for s in stages.slugs
    }
    counts = {s: c for s, c in counts.items() if c}
    widest = max((sum(c.values()) for c in counts.values()), default=1)
    bars = [_legend(OUTCOME_ORDER)]
    for i, (slug, outcome_counts) in enumerate(counts.items()):
        x = LABEL_WIDTH
        y = LEGEND_HEIGHT + i * ROW_HEIGHT
        bars.append(_label(stages.term(slug).name, y))
        for outcome in OUTCOME_ORDER:
            if outcome_counts[outcome]:
                width = BAR_WIDTH * outcome_counts[outcome] / widest
                bars.append(
                    f'<rect class="pb-{outcome}" x="{x:.1f}" y="{y + 4}" width="{width:.1f}" '
                    f'height="{ROW_HEIGHT - 8}"><title>{outcome_counts[outcome]} {outcome}</title></rect>'
                )
                x += width
        bars.append(_value(str(sum(outcome_counts.values())), x + 6, y))
    rows = [[stages.term(s).name, *(str(c[o]) for o in OUTCOME_ORDER)] for s, c in counts.items()]
    return _chart(
        "outcomes-by-stage",
        "Outcomes by the stage deals reached",
        "Each bar is a stage; its segments count won, lost, undecided and open deals that got that far.",
        ["Stage reached", *OUTCOME_ORDER],
        rows,
        bars,
        len(counts),
        top_margin=LEGEND_HEIGHT,
    )


def objections_by_quarter(playbook: Playbook) -> Chart:
    quarters = sorted({_quarter(e.retro.date) for e in playbook.entries if e.lesson.objection})[-8:]
    objections = [
        s
        for s in playbook.taxonomy.objections.slugs
        if any(e.lesson.objection == s for e in playbook.entries)
    ]
    counts = Counter(
        (e.lesson.objection, _quarter(e.retro.date)) for e in playbook.entries if e.lesson.objection
    )
    top = max(counts.values(), default=1)
    cell = (BAR_WIDTH + 60) / max(len(quarters), 1)
    parts = [
        f'<text class="pb-axis" x="{LABEL_WIDTH + cell * (i + 0.5):.1f}" y="14" text-anchor="middle">'
        f"{html.escape(q)}</text>"
        for i, q in enumerate(quarters)
    ]
    for row, objection in enumerate(objections):
        y = 20 + row * ROW_HEIGHT
        parts.append(_label(playbook.taxonomy.objections.term(objection).name, y))
        for col, quarter in enumerate(quarters):
            n = counts[(objection, quarter)]
            level = 0 if not n else 1 + min(3, int(3 * n / top))
            x = LABEL_WIDTH + col * cell
            parts.append(
                f'<rect class="pb-heat{level}" x="{x + 1:.1f}" y="{y + 2}" width="{cell - 2:.1f}" '
                f'height="{ROW_HEIGHT - 4}"><title>{n} in {html.escape(quarter)}</title></rect>'
            )
            if n:
                parts.append(
                    f'<text class="pb-cell" x="{x + cell / 2:.1f}" y="{y + ROW_HEIGHT / 2 + 4:.1f}" '
                    f'text-anchor="middle">{n}</text>'
                )
    rows = [
        [playbook.taxonomy.objections.term(o).name, *(str(counts[(o, q)]) for q in quarters)]
        for o in objections
    ]
    return _chart(
        "objections-by-quarter",
        "Objections by quarter",
        "Lessons per objection type in each of the last quarters with retros; darker means more.",
        ["Objection", *quarters],
        rows,
        parts,
        len(objections),
        top_margin=20,
    )


def win_rate_by_segment(playbook: Playbook) -> Chart:
    segments = sorted({r.deal.segment or "not given" for r in playbook.retros})
    parts, rows = [], []
    for i, segment in enumerate(segments):
        outcomes = Outcomes.of([r for r in playbook.retros if (r.deal.segment or "not given") == segment])
        y = i * ROW_HEIGHT
        parts.append(_label(segment, y))
        rate = outcomes.win_rate
        if rate is None:
            parts.append(_value(f"n={outcomes.closed}: too few closed deals for a rate", LABEL_WIDTH, y))
        else:
            width = BAR_WIDTH * rate
            parts.append(
                f'<rect class="pb-won" x="{LABEL_WIDTH}" y="{y + 4}" width="{width:.1f}" '
                f'height="{ROW_HEIGHT - 8}"><title>{rate:.0%} of {outcomes.closed}</title></rect>'
            )
            parts.append(_value(f"{rate:.0%} (n={outcomes.closed})", LABEL_WIDTH + width + 6, y))
        rows.append(
            [
                segment,
                str(outcomes.won),
                str(outcomes.closed),
                f"{rate:.0%}" if rate is not None else f"hidden (n < {MIN_N_FOR_RATE})",
            ]
        )
    return _chart(
        "win-rate-by-segment",
        "Win rate by segment, among closed deals with a retro",
        f"Won as a share of won, lost and undecided deals; hidden below {MIN_N_FOR_RATE} closed deals.",
        ["Segment", "Won", "Closed (n)", "Win rate"],
        rows,
        parts,
        len(segments),
    )


def _legend(outcomes: tuple[str, ...]) -> str:
    parts = []
    for i, outcome in enumerate(outcomes):
        x = LABEL_WIDTH + i * 95
        parts.append(
            f'<rect class="pb-{outcome}" x="{x}" y="4" width="12" height="12"></rect>'
            f'<text class="pb-axis" x="{x + 16}" y="14">{html.escape(outcome)}</text>'
        )
    return "".join(parts)


def _quarter(day: object) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"  # type: ignore[attr-defined]


def _label(text: str, y: float) -> str:
    return (
        f'<text class="pb-axis" x="{LABEL_WIDTH - 8}" y="{y + ROW_HEIGHT / 2 + 4:.1f}" text-anchor="end">'
        f"{html.escape(text)}</text>"
    )


def _value(text: str, x: float, y: float) -> str:
    return f'<text class="pb-axis" x="{x:.1f}" y="{y + ROW_HEIGHT / 2 + 4:.1f}">{html.escape(text)}</text>'


def _chart(
    chart_id: str,
    title: str,
    description: str,
    header: list[str],
    rows: list[list[str]],
    parts: list[str],
    row_count: int,
    top_margin: int = 0,
) -> Chart:
    height = top_margin + max(row_count, 1) * ROW_HEIGHT + 4
    width = LABEL_WIDTH + BAR_WIDTH + 120
    svg = (
        f'<svg class="pb-chart" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{html.escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{html.escape(description)}</desc>' + "".join(parts) + "</svg>"
    )
    return Chart(chart_id, title, description, header, rows, svg)
