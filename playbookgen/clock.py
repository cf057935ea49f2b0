"""The build's reference date (ages of lessons, overdue actions)."""

from __future__ import annotations

import os
from datetime import date, datetime, timezone


def today() -> date:
    """The build's reference date for ages and overdue actions: SOURCE_DATE_EPOCH when set (reproducible
    builds), else the current date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date()
    return date.today()
