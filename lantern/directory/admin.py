"""The coalition admins' pages for the directory.

- Listings are verified with the "Mark verified today" action (`services.service_assure`,
  audited); the verification fields are otherwise read-only, and the "verification" filter
  shows what `lantern listings unverified` reports.
- Capacities are view-only: only the owning organization changes them (`policy`), through
  `capacity_set`, which keeps metadata and the audit trail.
- A confidential location's exact point is never shown to anyone outside its organization,
  coalition admins included (`policy.sees_exact_location`), and they can neither make it
  public nor move it to another organization.
- The Lantern profile's own taxonomies and terms are view-only: matching depends on them.
- Every admin write bumps `last_modified` where the model has one (API clients sync on it)
  and leaves an audit event (`AuditedAdmin`).
"""

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lantern.accounts.admin import AuditedAdmin
from lantern.directory import policy
from lantern.directory.models import (
    Location,
    Organization,
    Service,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Unit,
)
from lantern.directory.profile import TAXONOMIES, TERMS_BY_ID
from lantern.directory.services import location_protect, service_assure
from lantern.directory.verification import services_unverified


class DirectoryAdmin(AuditedAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # HSDS ids are UUIDs made on creation; an id edited in a form would orphan exports.
        return ("id", *super().get_readonly_fields(request, obj))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if hasattr(obj, "last_modified"):
            obj.last_modified = timezone.now()
        super().save_model(request, obj, form, change)


class VerificationOverdueFilter(admin.SimpleListFilter):
    title = _("verification")
    parameter_name = "verification"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        months = settings.LANTERN_LISTING_VERIFY_MONTHS
        return [
            ("overdue", _("Overdue (not verified in %(months)d months)") % {"months": months}),
            ("current", _("Verified recently")),
        ]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() not in ("overdue", "current"):
            return queryset
        overdue = services_unverified(months=settings.LANTERN_LISTING_VERIFY_MONTHS)
        ids = overdue.order_by().values("pk")
        if self.value() == "overdue":
            return queryset.filter(pk__in=ids)
        return queryset.exclude(pk__in=ids)


@admin.register(Organization)
class OrganizationAdmin(DirectoryAdmin):
    list_display = ("name", "email", "website", "last_modified")
    search_fields = ("name", "alternate_name")
    readonly_fields = ("last_modified",)


@admin.register(Service)
class ServiceAdmin(DirectoryAdmin):
    list_display = (
        "name",
        "organization",
        "status",
        "assured_date",
        "assurer_email",
        "last_modified",
    )
    list_filter = (VerificationOverdueFilter, "status")
    list_select_related = ("organization",)
    search_fields = ("name", "organization__name")
    autocomplete_fields = ("organization",)
    filter_horizontal = ("service_types",)
    readonly_fields = ("assured_date", "assurer_email", "last_modified")
    actions = ["mark_verified_today"]

    @admin.action(description=_("Mark verified today"), permissions=["change"])
    def mark_verified_today(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            services = list(queryset)
            for service in services:
                service_assure(service=service, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d listing marked verified today.",
                "%(count)d listings marked verified today.",
                len(services),
            )
            % {"count": len(services)},
        )


# Where a confidential location is; hidden from everyone outside its organization.
EXACT_FIELDS = ("latitude", "longitude")


@admin.register(Location)
class LocationAdmin(DirectoryAdmin):
    # Never the exact point or an address in the list: it shows many locations at once.
    list_display = ("name", "organization", "location_type", "confidential", "area")
    list_filter = ("confidential", "location_type")
    list_select_related = ("organization",)
    search_fields = ("name", "area", "organization__name")
    autocomplete_fields = ("organization",)

    def _hides_exact(self, request: HttpRequest, obj: Any) -> bool:
        return obj is not None and not policy.sees_exact_location(request.user, obj)

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        exclude = tuple(super().get_exclude(request, obj) or ())
        return exclude + EXACT_FIELDS if self._hides_exact(request, obj) else exclude

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = (
            *super().get_readonly_fields(request, obj),
            "coarse_latitude",
            "coarse_longitude",
            "last_modified",
        )
        # Unticking "confidential" would make the exact point public, and moving the
        # location to another organization would show it to that one's members, so only
        # its own organization may.
        hidden = self._hides_exact(request, obj)
        return (*fields, "confidential", "organization") if hidden else fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        location_protect(obj)
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceCapacity)
class ServiceCapacityAdmin(ReadOnlyAdmin):
    list_display = ("service", "unit", "available", "maximum", "updated")
    list_select_related = ("service", "unit")
    search_fields = ("service__name", "service__organization__name")


_PROFILE_TAXONOMY_IDS = {str(taxonomy.id) for taxonomy in TAXONOMIES}


@admin.register(Taxonomy)
class TaxonomyAdmin(DirectoryAdmin):
    list_display = ("name", "version", "uri")
    search_fields = ("name",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and str(obj.pk) in _PROFILE_TAXONOMY_IDS:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and str(obj.pk) in _PROFILE_TAXONOMY_IDS:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(DirectoryAdmin):
    list_display = ("code", "name", "taxonomy_detail", "language")
    list_filter = ("taxonomy_detail",)
    list_select_related = ("taxonomy_detail",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent", "taxonomy_detail")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and str(obj.pk) in TERMS_BY_ID:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and str(obj.pk) in TERMS_BY_ID:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Unit)
class UnitAdmin(DirectoryAdmin):
    list_display = ("name", "scheme", "identifier")
    search_fields = ("name",)
