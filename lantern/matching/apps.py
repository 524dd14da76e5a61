from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate


def _index_after_migrate(sender: Any, **kwargs: Any) -> None:
    """A database migrated before the match index existed (or restored without it) gets
    its index built once; afterwards signals keep it in step."""
    from lantern.directory.models import Service
    from lantern.matching import triggers
    from lantern.matching.index import reindex
    from lantern.matching.models import MatchEntry

    # Built before `MatchData` or `name_key` existed.
    stale = (
        MatchEntry.objects.filter(payload__isnull=True).exists()
        or MatchEntry.objects.filter(name_key="").exclude(name="").exists()
    )
    if stale or MatchEntry.objects.count() != Service.objects.count():
        reindex()
    # Capacity triggers lost to a later table rebuild are put back (see triggers.ensure).
    triggers.ensure(connections[kwargs.get("using", DEFAULT_DB_ALIAS)])


class MatchingConfig(AppConfig):
    name = "lantern.matching"
    label = "matching"

    def ready(self) -> None:
        from lantern.directory.signals import bulk_written
        from lantern.matching import index

        index.connect()
        bulk_written.connect(
            lambda sender, **kwargs: index.reindex(), weak=False, dispatch_uid="match-index-bulk"
        )
        post_migrate.connect(_index_after_migrate, sender=self, dispatch_uid="match-index-migrate")
