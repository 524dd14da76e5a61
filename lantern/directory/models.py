"""The service directory, named after Open Referral HSDS 3.1.

Table and field names follow HSDS. Lantern's own facts (service types, eligibility rules,
confidentiality) are typed columns here so that matching can query them, and are exposed in
the API as HSDS `attributes` under the Lantern profile (see `profile.py`), never as renamed
core fields.

Widths: HSDS 3.1 sets no maxLength on any string, so every column that holds an HSDS string
is unbounded (`max_length=None`: PostgreSQL `varchar` without a limit, SQLite `varchar`).
Only values HSDS itself limits keep a width: an enum (at least its longest value), and e-mail
addresses (254, the most RFC 5321 allows, which HSDS's `format: email` refers to).
`test_hsds_widths.py` walks the shipped schemas against these fields.
"""

import uuid
from typing import Any

from django.db import models
from django.utils import timezone


class ServiceStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DEFUNCT = "defunct"
    TEMPORARILY_CLOSED = "temporarily closed"


class LocationType(models.TextChoices):
    PHYSICAL = "physical"
    POSTAL = "postal"
    VIRTUAL = "virtual"


class HsdsURLField(models.URLField):
    """A URL without a column limit (`URLField` is 200 characters, HSDS sets none).

    The URL validator still refuses what is not a URL, and anything over 2,048 characters.
    `max_length=None` cannot be given to `URLField` itself: its deconstruction drops it, and
    a migration would bring back the 200.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["max_length"] = None
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, path, args, kwargs


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class Taxonomy(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    name = models.CharField(max_length=None)
    description = models.TextField()
    uri = HsdsURLField(blank=True)
    version = models.CharField(max_length=None, blank=True)

    class Meta:
        db_table = "taxonomy"
        ordering = ["name"]
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    code = models.CharField(max_length=None, blank=True, db_index=True)
    name = models.CharField(max_length=None)
    description = models.TextField()
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    taxonomy_detail = models.ForeignKey(
        Taxonomy, null=True, blank=True, on_delete=models.CASCADE, related_name="terms"
    )
    taxonomy = models.CharField(max_length=None, blank=True, help_text="Free-text taxonomy name")
    language = models.CharField(max_length=None, blank=True)
    term_uri = HsdsURLField(blank=True)

    class Meta:
        db_table = "taxonomy_term"
        ordering = ["taxonomy_detail_id", "code", "name"]

    def __str__(self) -> str:
        return f"{self.taxonomy_detail or self.taxonomy}: {self.name}"


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    name = models.CharField(max_length=None)
    alternate_name = models.CharField(max_length=None, blank=True)
    description = models.TextField()
    email = models.EmailField(blank=True)
    website = HsdsURLField(blank=True)
    tax_status = models.CharField(max_length=None, blank=True)
    tax_id = models.CharField(max_length=None, blank=True)
    year_incorporated = models.PositiveIntegerField(null=True, blank=True)
    legal_status = models.CharField(max_length=None, blank=True)
    uri = HsdsURLField(blank=True)
    parent_organization = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL
    )
    last_modified = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "organization"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(max_length=None)
    alternate_name = models.CharField(max_length=None, blank=True)
    description = models.TextField(blank=True)
    url = HsdsURLField(blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(
        max_length=32, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    interpretation_services = models.TextField(blank=True)
    application_process = models.TextField(blank=True)
    fees_description = models.TextField(blank=True)
    wait_time = models.CharField(max_length=None, blank=True)
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    assured_date = models.DateField(null=True, blank=True)
    assurer_email = models.EmailField(blank=True)
    alert = models.TextField(blank=True)
    last_modified = models.DateTimeField(default=timezone.now, db_index=True)

    # --- Lantern profile (exposed as attributes; None means "not declared") ---
    service_types = models.ManyToManyField(
        TaxonomyTerm,
        blank=True,
        related_name="typed_services",
        help_text="Lantern service-type terms",
    )
    genders_served = models.JSONField(null=True, blank=True)
    accepts_children = models.BooleanField(null=True, blank=True)
    max_children = models.PositiveSmallIntegerField(null=True, blank=True)
    accepts_pets = models.BooleanField(null=True, blank=True)
    trafficking_types_served = models.JSONField(null=True, blank=True)
    wheelchair_accessible = models.BooleanField(null=True, blank=True)
    accepts_active_substance_use = models.BooleanField(null=True, blank=True)
    requires_id_documents = models.BooleanField(null=True, blank=True)

    class Meta:
        db_table = "service"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["assured_date"]), models.Index(fields=["name", "id"])]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="locations"
    )
    location_type = models.CharField(
        max_length=16, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    url = HsdsURLField(blank=True)
    name = models.CharField(max_length=None, blank=True)
    alternate_name = models.CharField(max_length=None, blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Lantern profile: a confidential location (a safe house) is shown to non-members only
    # as a coarse area; distance filters for them use the coarse point, never the real one.
    confidential = models.BooleanField(default=False)
    area = models.CharField(max_length=255, blank=True, help_text="City or county, state")
    coarse_latitude = models.FloatField(null=True, blank=True)
    coarse_longitude = models.FloatField(null=True, blank=True)
    last_modified = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "location"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["latitude", "longitude"]),
            models.Index(fields=["coarse_latitude", "coarse_longitude"]),
        ]

    def __str__(self) -> str:
        return self.name or str(self.id)


class Address(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    attention = models.CharField(max_length=None, blank=True)
    address_1 = models.CharField(max_length=None)
    address_2 = models.CharField(max_length=None, blank=True)
    city = models.CharField(max_length=None)
    region = models.CharField(max_length=None, blank=True)
    state_province = models.CharField(max_length=None)
    postal_code = models.CharField(max_length=None, db_index=True)
    country = models.CharField(max_length=None, default="US")
    address_type = models.CharField(max_length=20, default="physical")

    class Meta:
        db_table = "address"
        ordering = ["id"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.address_1}, {self.city}"


class ServiceAtLocation(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    description = models.TextField(blank=True)
    last_modified = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "service_at_location"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "location"], name="sal_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} @ {self.location_id}"


class Unit(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    name = models.CharField(max_length=None)
    scheme = models.CharField(max_length=None, blank=True)
    identifier = models.CharField(max_length=None, blank=True)
    uri = HsdsURLField(blank=True)

    class Meta:
        db_table = "unit"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceCapacity(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="capacities")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    available = models.PositiveIntegerField()
    maximum = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(blank=True)
    updated = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "service_capacity"
        ordering = ["id"]
        verbose_name_plural = "service capacities"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(maximum__isnull=True)
                | models.Q(available__lte=models.F("maximum")),
                name="capacity_available_within_maximum",
            )
        ]

    def __str__(self) -> str:
        return f"{self.available}/{self.maximum} {self.unit}"


class Language(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    phone = models.ForeignKey(
        "Phone", null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    name = models.CharField(max_length=None, blank=True)
    code = models.CharField(max_length=None, blank=True, help_text="ISO 639-1")
    note = models.TextField(blank=True)

    class Meta:
        db_table = "language"
        ordering = ["code", "id"]

    def __str__(self) -> str:
        return self.code or self.name


class Phone(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    number = models.CharField(max_length=None)
    extension = models.PositiveIntegerField(null=True, blank=True)
    type = models.CharField(max_length=None, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        db_table = "phone"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.number


class Schedule(models.Model):
    id = models.UUIDField(primary_key=True, default=_uuid)
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="schedules",
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    wkst = models.CharField(max_length=2, blank=True)
    freq = models.CharField(max_length=10, blank=True)
    interval = models.PositiveIntegerField(null=True, blank=True)
    byday = models.CharField(max_length=None, blank=True)
    bymonthday = models.CharField(max_length=None, blank=True)
    description = models.TextField(blank=True)
    opens_at = models.TimeField(null=True, blank=True)
    closes_at = models.TimeField(null=True, blank=True)
    attending_type = models.CharField(max_length=None, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        db_table = "schedule"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description or str(self.id)


class Attribute(models.Model):
    """An HSDS attribute that is not part of the Lantern profile (kept as imported)."""

    id = models.UUIDField(primary_key=True, default=_uuid)
    link_id = models.UUIDField(db_index=True)
    link_type = models.CharField(max_length=None, blank=True)
    link_entity = models.CharField(max_length=None)
    taxonomy_term = models.ForeignKey(TaxonomyTerm, on_delete=models.CASCADE)
    value = models.TextField(blank=True)
    label = models.CharField(max_length=None, blank=True)

    class Meta:
        db_table = "attribute"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.link_entity}:{self.link_id} {self.value}"


class Metadata(models.Model):
    """HSDS metadata: who changed which field from what to what, and when."""

    id = models.UUIDField(primary_key=True, default=_uuid)
    resource_id = models.UUIDField(db_index=True)
    resource_type = models.CharField(max_length=None)
    last_action_date = models.DateTimeField(default=timezone.now)
    last_action_type = models.CharField(max_length=None)
    field_name = models.CharField(max_length=None)
    previous_value = models.TextField()
    replacement_value = models.TextField()
    updated_by = models.CharField(max_length=None)

    class Meta:
        db_table = "metadata"
        ordering = ["-last_action_date", "id"]
        verbose_name_plural = "metadata"

    def __str__(self) -> str:
        return f"{self.resource_type}.{self.field_name} {self.last_action_date:%Y-%m-%d}"


class OneTapUse(models.Model):
    """A signed one-tap capacity link is usable once per action: each use leaves a row."""

    link_id = models.CharField(max_length=64)
    action = models.CharField(max_length=20)
    used = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link_id", "action"], name="one_tap_once_per_action")
        ]

    def __str__(self) -> str:
        return f"{self.link_id}:{self.action}"


class CapacityReminder(models.Model):
    capacity = models.ForeignKey(ServiceCapacity, on_delete=models.CASCADE, related_name="+")
    sent = models.DateTimeField(default=timezone.now, db_index=True)
    channel = models.CharField(max_length=20)

    def __str__(self) -> str:
        return f"{self.capacity_id} {self.sent:%Y-%m-%d %H:%M}"
