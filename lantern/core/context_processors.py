from typing import Any

from django.conf import settings
from django.http import HttpRequest


def safety(request: HttpRequest) -> dict[str, Any]:
    """What every page needs for the quick exit (base.html renders it on every page)."""
    return {"quick_exit_url": settings.LANTERN_QUICK_EXIT_URL}
