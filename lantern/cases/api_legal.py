"""Case API: legal (filled in by its owner; the lead's skeleton)."""

from ninja import Router

router = Router(tags=["cases"])
