"""One shape for API errors: `{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`.

It is the shape django-ninja uses for its own validation errors, so clients parse one
format whichever layer found the problem.
"""

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest


class FieldError(Exception):
    """Raise from an endpoint to answer 422 naming the offending field."""

    def __init__(
        self, field: str, message: str, *, where: str = "body", kind: str = "value_error"
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.where = where
        self.kind = kind

    def payload(self) -> dict[str, Any]:
        return {
            "detail": [{"loc": [self.where, self.field], "msg": self.message, "type": self.kind}]
        }


def reject_unknown_query(request: HttpRequest, allowed: Iterable[str]) -> None:
    """Unknown query parameters are an error, not silently ignored (a typo would widen a
    search without the caller noticing)."""
    allowed_set = set(allowed)
    for key in request.GET:
        if key not in allowed_set:
            raise FieldError(key, "unknown query parameter", where="query", kind="extra_forbidden")
