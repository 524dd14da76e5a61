"""Consent records in Django's admin: view only.

Records are made and withdrawn only through `services` (which validate and audit), so the
admin can neither add, change nor delete them. The purpose is shown; there is no personal
data in a record.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from lantern.consent.models import ConsentRecord
from lantern.consent.selectors import consent_state


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "recipient",
        "granted_by_organization",
        "method",
        "created",
        "expires_at",
        "state",
    )
    list_filter = ("method", "revoke_reason", "subject_type")
    list_select_related = ("recipient", "granted_by_organization")
    search_fields = ("=id", "=subject_id")
    date_hierarchy = "created"
    ordering = ("-created",)

    @admin.display(description=_("state"))
    def state(self, obj: ConsentRecord) -> str:
        return consent_state(obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [field.name for field in ConsentRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
