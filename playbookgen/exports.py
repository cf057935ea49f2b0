"""Exports for spreadsheets and BI tools: one row per published lesson, with its retro's fields.

Built from the audience view, so redaction applies: an internal export has no account and only value
bands; a public one has no values and no people. The JSON shape is versioned (EXPORT_VERSION); new
columns may be added at the end, existing ones keep their name and meaning.
"""

from __future__ import annotations

import csv
import io
import json
import operator
from typing import Any

from playbookgen.evidence import Evidence
from playbookgen.group import Playbook

EXPORT_VERSION = 1
COLUMNS = [
    "retro_id", "retro_title", "retro_date", "visibility", "codename", "account", "outcome", "primary_reason",
    "stage_reached", "value", "value_band", "currency", "segment", "industry", "region", "competitors",
    "lesson_id", "lesson_title", "stage", "roles", "objection", "result", "evidence", "confidence", "play",
    "surfaced", "expires", "superseded_by", "freshness", "age_months", "url",
]  # fmt: skip


def lesson_rows(playbook: Playbook, evidence: Evidence) -> list[dict[str, Any]]:
    rows = []
    for entry in playbook.entries:
        retro, lesson, deal = entry.retro, entry.lesson, entry.retro.deal
        rows.append({
            "retro_id": retro.id, "retro_title": retro.title, "retro_date": retro.date.isoformat(),
            "visibility": retro.visibility, "codename": deal.codename, "account": deal.account,
            "outcome": deal.outcome, "primary_reason": deal.primary_reason,
            "stage_reached": deal.stage_reached,
            "value": deal.value.amount if deal.value else None, "value_band": deal.value_band,
            "currency": deal.value.currency if deal.value else None, "segment": deal.segment,
            "industry": deal.industry, "region": deal.region,
            "competitors": [c.name for c in deal.competitors],
            "lesson_id": lesson.id, "lesson_title": lesson.title, "stage": lesson.stage,
            "roles": list(lesson.roles), "objection": lesson.objection, "result": lesson.result,
            "evidence": lesson.evidence, "confidence": lesson.confidence, "play": lesson.play,
            "surfaced": lesson.surfaced, "expires": lesson.expires.isoformat() if lesson.expires else None,
            "superseded_by": lesson.superseded_by, "freshness": evidence.status(entry),
            "age_months": evidence.age_months(entry), "url": f"retros/{retro.id}/#{lesson.id}",
        })  # fmt: skip
    return rows


def as_json(rows: list[dict[str, Any]], audience: str) -> str:
    """One lesson per line: diffs stay readable, and json's C encoder (unused with indent=) keeps a large
    export fast and small in memory."""
    encode = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps would build an encoder per row
    lessons = "[\n" + ",\n".join(encode(row) for row in rows) + "\n]" if rows else "[]"
    return (
        f'{{"version": {EXPORT_VERSION}, "audience": {json.dumps(audience)}, '
        f'"columns": {json.dumps(COLUMNS)}, "lessons": {lessons}}}\n'
    )


_VALUES = operator.itemgetter(*COLUMNS)
_LISTS = [COLUMNS.index("competitors"), COLUMNS.index("roles")]  # the columns that hold lists


def as_csv(rows: list[dict[str, Any]]) -> str:
    """Lists become ';'-separated cells; missing values (None) are empty cells, as csv writes them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_csv_row(row) for row in rows)
    return out.getvalue()


def _csv_row(row: dict[str, Any]) -> list[Any]:
    values = list(_VALUES(row))
    for column in _LISTS:
        values[column] = ";".join(values[column])
    return values
