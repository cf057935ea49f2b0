"""Front matter shape (types only) as pydantic models; taxonomy values are checked afterwards.

These definitions are the single source of truth for the front matter's types.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from playbookgen.text import describe

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _to_date(value: Any) -> Any:
    if isinstance(value, datetime):
        raise ValueError(f"expected a date (YYYY-MM-DD), got a date and time {value.isoformat(sep=' ')}")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a real calendar date (YYYY-MM-DD)") from None
    raise ValueError(f"expected a date (YYYY-MM-DD), got {describe(value)}")


def _to_text(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (list, dict, date)):
        raise ValueError(f"expected text, got {describe(value)}")
    if isinstance(value, (int, float)):
        value = str(value)
    if isinstance(value, str):
        if not value.strip():
            raise ValueError("is empty")
        return value.strip()
    raise ValueError(f"expected text, got {describe(value)}")


def _to_list(value: Any) -> Any:
    """A single word where a list is expected is read as a one-item list."""
    if value is None:
        return []
    if isinstance(value, (str, int, float, dict)) and not isinstance(value, bool):
        return [value]
    return value


def _to_amount(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"expected a number such as 420000, got {describe(value)}")
    if value < 0:
        raise ValueError(f"must not be negative, got {value}")
    return value


def _to_currency(value: Any) -> Any:
    if not isinstance(value, str) or not _CURRENCY.match(value.strip().upper()):
        raise ValueError(f"expected an ISO 4217 currency code such as EUR or USD, got {describe(value)}")
    return value.strip().upper()


# What each validator accepts, for the JSON Schema (`model_json_schema()`, `playbookgen schema`): the
# annotations below describe inputs only; validation is done by the functions above.
_TEXT_INPUT = Annotated[str, Field(pattern=r"\S")] | float  # text that is not blank, or a number
_DAY_INPUT = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", json_schema_extra={"format": "date"})]
_AMOUNT_INPUT = Annotated[float, Field(ge=0)]
_CURRENCY_INPUT = Annotated[str, Field(pattern=r"^\s*[A-Za-z]{3}\s*$")]

Text = Annotated[str, BeforeValidator(_to_text, json_schema_input_type=_TEXT_INPUT)]
Day = Annotated[date, BeforeValidator(_to_date, json_schema_input_type=_DAY_INPUT)]
Amount = Annotated[float, BeforeValidator(_to_amount, json_schema_input_type=_AMOUNT_INPUT)]
Currency = Annotated[str, BeforeValidator(_to_currency, json_schema_input_type=_CURRENCY_INPUT)]
# A single word where a list is expected is read as a one-item list (and nothing as an empty list).
TextList = Annotated[list[Text], BeforeValidator(_to_list, json_schema_input_type=Text | list[Text] | None)]


class _Model(BaseModel):
    # Unknown keys are reported as warnings by the validator, not rejected here.
    model_config = ConfigDict(extra="ignore", frozen=True)


class MoneyFM(_Model):
    amount: Amount
    currency: Currency | None = None


def _to_value(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    return {"amount": _to_amount(value)}


class CompetitorFM(_Model):
    name: Text
    result: Text | None = Field(default=None, description="won | lost | also-ran")


def _to_competitor(value: Any) -> Any:
    if isinstance(value, dict):
        return value
    return {"name": value}


# A competitor is a mapping {name, result} or just its name.
Competitor = Annotated[
    CompetitorFM, BeforeValidator(_to_competitor, json_schema_input_type=CompetitorFM | Text)
]


class DealFM(_Model):
    codename: Text
    outcome: Text = Field(description="won | lost | no-decision | open (or an alias)")
    account: Text | None = None
    account_aliases: TextList = Field(
        default=[], description="other spellings of the account, redacted like the account itself"
    )
    primary_reason: Text | None = Field(default=None, description="one objection type")
    stage_reached: Text | None = Field(default=None, description="one stage")
    value: (
        Annotated[MoneyFM, BeforeValidator(_to_value, json_schema_input_type=_AMOUNT_INPUT | MoneyFM)] | None
    ) = None
    currency: Currency | None = None
    opened: Day | None = None
    closed: Day | None = None
    segment: Text | None = None
    industry: Text | None = None
    region: Text | None = None
    products: TextList = []
    competitors: Annotated[
        list[Competitor],
        BeforeValidator(_to_list, json_schema_input_type=Competitor | list[Competitor] | None),
    ] = []


class PersonFM(_Model):
    name: Text
    role: Text = Field(description="a role (slug, name or alias)")


class RetroMetaFM(_Model):
    format: Text | None = Field(default=None, description="start-stop-continue | 4ls | sailboat | ...")
    facilitator: Text | None = None


class FrontMatter(_Model):
    title: Text
    date: Day
    deal: DealFM
    id: Text | None = None
    visibility: Text | None = Field(default=None, description="team | internal | public")
    tags: TextList = []
    team: list[PersonFM] = []
    retro: RetroMetaFM | None = None
