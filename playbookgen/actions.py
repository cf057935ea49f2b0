"""Actions follow-through: the open '- [ ]' items of every retro's Actions section, by owner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from playbookgen.model import Action, Retro

NO_OWNER = "No owner named"


@dataclass(frozen=True)
class OpenAction:
    retro: Retro
    action: Action
    overdue: bool


@dataclass
class ActionsView:
    owners: list[tuple[str, list[OpenAction]]] = field(
        default_factory=list
    )  # owners with overdue items first
    open: int = 0
    done: int = 0
    overdue: int = 0


def roll_up(retros: list[Retro], today: date) -> ActionsView:
    by_owner: dict[str, list[OpenAction]] = {}
    view = ActionsView()
    for retro in retros:
        for action in retro.actions:
            if action.done:
                view.done += 1
                continue
            overdue = action.due is not None and action.due < today
            by_owner.setdefault(action.owner or NO_OWNER, []).append(OpenAction(retro, action, overdue))
    for items in by_owner.values():
        items.sort(key=lambda i: (not i.overdue, i.action.due or date.max, i.retro.id, i.action.line))
        view.open += len(items)
        view.overdue += sum(i.overdue for i in items)
    view.owners = sorted(
        by_owner.items(), key=lambda kv: (not kv[1][0].overdue, kv[0] == NO_OWNER, kv[0].casefold())
    )
    return view
