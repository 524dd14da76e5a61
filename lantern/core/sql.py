"""Small SQL expressions the ORM lacks, for PostgreSQL-only query forms.

Each caller keeps a plain ORM path for SQLite; these only change how PostgreSQL is asked.
"""

from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, Func, QuerySet


class EqualsAny(Func):
    """`expression = ANY(array)`, a boolean usable in `filter()`."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def in_array_of(expression: Any, subquery: QuerySet[Any]) -> EqualsAny:
    """`expression = ANY(ARRAY(subquery))`: the subquery runs once, before the scan (an
    InitPlan), and its array can drive an index scan or join a bitmap OR, where
    `IN (subquery)` lets the planner test it row by row from the other side."""
    return EqualsAny(expression, ArraySubquery(subquery))
