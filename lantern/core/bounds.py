"""Ranges for what callers type in: dates, date-times and paging parameters.

One place for the bounds every API schema and form applies, so a far-off year or a huge
offset is a 422 (API) or a form error naming the field, never a stored value the database
or Python cannot read back (a year 1 date-time with a +14:00 zone is 1 BC in UTC) nor an
overflowing query.

- `BoundedDatetime` / `BoundedAwareDatetime` / `BoundedDate`: pydantic types for schemas.
- `validate_datetime_in_range` / `validate_date_in_range`: Django validators for forms.
- `check_within(value, days=..., now=...)`: a date-time within so many days of now.
- `Limit(default, maximum)` (also `per_page`), `Offset`, `PageNumber`: paging.
- `SafeDateTimeField`: a model field that reads an already-stored out-of-range date-time
  as None instead of failing the whole query.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, AwareDatetime, Field

MIN_YEAR = 1900
MAX_YEAR = 2100
# Paging: far beyond any real list, far below what the database can take (64-bit).
MAX_OFFSET = 1_000_000
MAX_PAGE = 100_000

RANGE_MESSAGE = f"a date between {MIN_YEAR} and {MAX_YEAR}"


def _year_ok(value: date) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


def check_datetime(value: datetime) -> datetime:
    """The value if its year (as written and in UTC) is within the range; ValueError
    otherwise. Checked as written first: converting year 1 at +14:00 to UTC overflows."""
    if not _year_ok(value):
        raise ValueError(RANGE_MESSAGE)
    if value.tzinfo is not None and not _year_ok(value.astimezone(UTC)):
        raise ValueError(RANGE_MESSAGE)
    return value


def check_date(value: date) -> date:
    if not _year_ok(value):
        raise ValueError(RANGE_MESSAGE)
    return value


def check_within(value: datetime, *, days: int, now: datetime | None = None) -> datetime:
    """The value if it is within `days` days of now (either way); ValueError otherwise."""
    check_datetime(value)
    now = now or timezone.now()
    if value.tzinfo is None:
        value = timezone.make_aware(value)
    if abs(value - now) > timedelta(days=days):
        raise ValueError(f"within {days} days of today")
    return value


BoundedDatetime = Annotated[datetime, AfterValidator(check_datetime)]
BoundedAwareDatetime = Annotated[AwareDatetime, AfterValidator(check_datetime)]
BoundedDate = Annotated[date, AfterValidator(check_date)]


def validate_datetime_in_range(value: datetime | None) -> None:
    """Django validator (forms) with the same range."""
    if value is None:
        return
    try:
        check_datetime(value)
    except ValueError:
        raise ValidationError(
            _("Choose a date between %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": MIN_YEAR, "last": MAX_YEAR},
        ) from None


def validate_date_in_range(value: date | None) -> None:
    if value is None:
        return
    if not _year_ok(value):
        raise ValidationError(
            _("Choose a date between %(first)s and %(last)s."),
            code="out_of_range",
            params={"first": MIN_YEAR, "last": MAX_YEAR},
        )


# --- paging ------------------------------------------------------------------------------


def Limit(default: int, maximum: int) -> Any:
    """How many items a page holds: 1 to `maximum`."""
    return Field(default, ge=1, le=maximum, description=f"At most {maximum}")


Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET, description=f"0 to {MAX_OFFSET}")]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE, description=f"1 to {MAX_PAGE}")]


# --- reading safely ----------------------------------------------------------------------


class SafeDateTimeField(models.DateTimeField):
    """A DateTimeField that reads a stored value outside MIN_YEAR..MAX_YEAR as None.

    Values written before the input bounds existed (e.g. 1 BC on PostgreSQL) cannot be
    loaded by the driver or by Python; a single such row would fail every list that shows
    it. The column is selected through a CASE that leaves such values out, so the row
    reads with an unknown time instead. Filtering and writing are unchanged."""

    def select_format(self, compiler: Any, sql: str, params: Any) -> tuple[str, Any]:
        connection = compiler.connection
        low = self.get_db_prep_value(datetime(MIN_YEAR - 1, 1, 1, tzinfo=UTC), connection)
        high = self.get_db_prep_value(datetime(MAX_YEAR + 1, 12, 31, tzinfo=UTC), connection)
        wrapped = f"CASE WHEN {sql} BETWEEN %s AND %s THEN {sql} ELSE NULL END"
        return wrapped, (*params, low, high, *params)
