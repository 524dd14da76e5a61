"""The match index: one row per service with everything the matching rules read.

A read model of the directory, kept in step by `lantern.matching.index` (model signals, and
explicit calls after bulk writes), so that a match is one query on one table plus the live
capacities, instead of a join over seven. Capacities change by the minute and are read
fresh; the one figure kept here, `open_updated`, is maintained by database triggers in the
same transaction as the capacity write, never by application code that could forget it.
"""

from django.db import models

from lantern.directory.models import Service


class MatchEntry(models.Model):
    service = models.OneToOneField(
        Service, primary_key=True, on_delete=models.CASCADE, related_name="match_entry"
    )
    active = models.BooleanField()
    name = models.TextField()  # a copy of Service.name, which HSDS does not limit
    # name.casefold(): the engine's tie-break, so SQL can order exactly as the engine does
    # (compared with COLLATE "C", i.e. by code point, as Python compares strings).
    name_key = models.TextField(default="")
    minimum_age = models.PositiveSmallIntegerField(null=True)
    maximum_age = models.PositiveSmallIntegerField(null=True)
    genders_served = models.JSONField(null=True)
    accepts_children = models.BooleanField(null=True)
    max_children = models.PositiveSmallIntegerField(null=True)
    accepts_pets = models.BooleanField(null=True)
    trafficking_types_served = models.JSONField(null=True)
    wheelchair_accessible = models.BooleanField(null=True)
    accepts_active_substance_use = models.BooleanField(null=True)
    requires_id_documents = models.BooleanField(null=True)
    service_types = models.JSONField(default=list)  # Lantern service-type codes
    languages = models.JSONField(default=list)  # ISO 639-1 codes, lower case
    tags = models.JSONField(default=list)  # preference tags
    # [latitude, longitude, coarse_latitude, coarse_longitude, confidential, organization_id]
    # per physical location with coordinates.
    points = models.JSONField(default=list)
    placed = models.BooleanField(default=False)  # has at least one point
    # The newest `updated` among the service's capacities with a place open (None: none
    # open), kept by database triggers on service_capacity (migration 0006), so that every
    # capacity write (a PATCH, a hold, a bulk update, an import) moves it in the writing
    # transaction. The SQL ranking reads a service's availability bucket from it instead
    # of probing service_capacity once per eligible service.
    open_updated = models.DateTimeField(null=True)

    class Meta:
        db_table = "match_entry"

    def __str__(self) -> str:
        return self.name


class MatchData(models.Model):
    """Everything the loader reads for one entry, as one JSON text decoded once per row (the
    columns of `MatchEntry` are for SQL narrowing): rules, codes, tags and points. A table of
    its own, so the entries every search scans stay narrow (about a third of the pages)."""

    entry = models.OneToOneField(
        MatchEntry, primary_key=True, on_delete=models.CASCADE, related_name="payload"
    )
    data = models.TextField()

    class Meta:
        db_table = "match_data"

    def __str__(self) -> str:
        return str(self.entry_id)


class MatchPoint(models.Model):
    """Every exact and coarse point of an entry, for the bounding-box narrowing."""

    entry = models.ForeignKey(MatchEntry, on_delete=models.CASCADE, related_name="box_points")
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        db_table = "match_point"
        indexes = [models.Index(fields=["latitude", "longitude"])]

    def __str__(self) -> str:
        return f"{self.latitude}, {self.longitude}"
