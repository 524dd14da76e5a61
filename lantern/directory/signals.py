"""Any write to what a rendered directory document shows invalidates the document cache.

Capacities (and the service `last_modified` a capacity update bumps) are read fresh for
every page, so capacity writes, metadata, reminders and one-tap uses do not invalidate.
Writes that send no model signals (bulk_create, queryset.update) send `bulk_written`
instead; read models (this cache, the match index) listen to it.
"""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

from lantern.directory import doccache, models

# Sent after directory writes that bypass model signals (the demo seed, the HSDS import).
bulk_written = Signal()

# Sent by `lantern demo seed` after the directory part (argument: `seed`), so that apps above
# the directory, which it may not import (case records), add their own demo data. Each
# receiver returns one line for the command to print, and must add nothing the second time.
demo_seeded = Signal()

RENDERED_MODELS = (
    models.Taxonomy,
    models.TaxonomyTerm,
    models.Organization,
    models.Service,
    models.Location,
    models.Address,
    models.ServiceAtLocation,
    models.Unit,
    models.Language,
    models.Phone,
    models.Schedule,
    models.Attribute,
)


def _changed(sender: Any, **kwargs: Any) -> None:
    doccache.invalidate()


def connect() -> None:
    bulk_written.connect(_changed, dispatch_uid="doccache-bulk")
    for model in RENDERED_MODELS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"doccache-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"doccache-delete-{model.__name__}"
        )
    m2m_changed.connect(
        _changed, sender=models.Service.service_types.through, dispatch_uid="doccache-m2m"
    )
