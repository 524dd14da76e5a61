"""Case pages: work (filled in by its owner; the lead's skeleton)."""

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern

urlpatterns: list[URLPattern] = []


def section_context(request: HttpRequest, case: Any, reach: Any) -> dict[str, Any]:
    """What this part adds to the case page's context (template cases/sections/work.html)."""
    return {}
