"""Any write to what a rendered directory document shows invalidates the document cache.

Capacities (and the service `last_modified` a capacity update bumps) are read fresh for
every page, so capacity writes, metadata, reminders and one-tap uses do not invalidate.
Writes that send no signals (bulk_create, queryset.update) call `doccache.invalidate()`.
"""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from lantern.directory import doccache, models

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
    for model in RENDERED_MODELS:
        post_save.connect(_changed, sender=model, dispatch_uid=f"doccache-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"doccache-delete-{model.__name__}"
        )
    m2m_changed.connect(
        _changed, sender=models.Service.service_types.through, dispatch_uid="doccache-m2m"
    )
