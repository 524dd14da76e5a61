from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from lantern.staff.nav import items_for


def staff_nav(request: HttpRequest) -> dict[str, Any]:
    """`staff_nav`: the bar's entries, computed only if a template shows it (base.html does
    for a signed-in person only, so an anonymous survivor page pays nothing)."""
    user = getattr(request, "user", None)
    return {"staff_nav": SimpleLazyObject(lambda: items_for(user))}
