"""The coalition admins' pages for people, organizations, memberships and tokens.

Coalition admins are staff without superuser: what they may do comes from the "coalition
admins" group (`accounts.services.COALITION_ADMIN_PERMISSIONS`). Nothing here lets them
raise their own or anyone's privileges: superuser, staff, group and permission fields are
read-only to them, superusers cannot be changed by them, and a membership is only ever
added through `membership_add`.
"""

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import ApiToken, Membership, Organization, User
from lantern.accounts.services import membership_add
from lantern.audit.services import audit_record


class AuditedAdmin(admin.ModelAdmin):
    """Admin writes leave the same audit events as every other write.

    The detail names the changed fields, never their values (an SMS number, a password).
    Django's admin already runs each save and delete in a transaction, which the event
    joins.
    """

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="admin.change" if change else "admin.add",
            object_type=obj._meta.label_lower,
            object_id=obj.pk,
            detail={"fields": sorted(form.changed_data)},
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        object_id, object_type = obj.pk, obj._meta.label_lower
        super().delete_model(request, obj)
        audit_record(
            actor=request.user,
            action="admin.delete",
            object_type=object_type,
            object_id=object_id,
        )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)


class LanguageChoiceMixin(forms.ModelForm):
    preferred_language = forms.ChoiceField(choices=settings.LANGUAGES)


class LanternUserCreationForm(LanguageChoiceMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name", "preferred_language")
        field_classes: dict[str, Any] = {}

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A user with this email already exists."))
        return email


class LanternUserChangeForm(LanguageChoiceMixin, UserChangeForm):
    class Meta:
        model = User
        fields = (
            "email",
            "password",
            "display_name",
            "preferred_language",
            "sms_number",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
        )
        field_classes: dict[str, Any] = {}
        widgets = {"sms_number": forms.TextInput(attrs={"autocomplete": "off"})}

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        taken = User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("A user with this email already exists."))
        return email


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("organization", "role", "created")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Fields only a superuser may change: they decide who else is an admin.
PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    form = LanternUserChangeForm
    add_form = LanternUserCreationForm
    ordering = ("email",)
    list_display = ("email", "display_name", "is_active", "is_staff", "last_login")
    list_filter = ("is_active", "is_staff", "memberships__role")
    search_fields = ("email", "display_name")
    readonly_fields = ("last_login", "date_joined")
    filter_horizontal = ("groups", "user_permissions")
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "preferred_language", "sms_number")}),
        (_("Permissions"), {"fields": ("is_active", *PRIVILEGE_FIELDS)}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "display_name",
                    "preferred_language",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        return super().get_inlines(request, obj) if obj is not None else []

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        return fields + PRIVILEGE_FIELDS

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                audit_record(
                    actor=request.user,
                    action="admin.password_change",
                    object_type="accounts.user",
                    object_id=id,
                )
        return response


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ("name", "hsds_organization", "takes_help_requests", "created")
    list_filter = ("takes_help_requests",)
    list_select_related = ("hsds_organization",)
    search_fields = ("name",)
    autocomplete_fields = ("hsds_organization",)
    readonly_fields = ("created",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Memberships are added (through `membership_add`, which grants what the role needs
    and audits it) and viewed; changing or removing one needs a service that also takes
    back what the role granted, so neither is offered here."""

    list_display = ("user", "organization", "role", "created")
    list_filter = ("role",)
    list_select_related = ("user", "organization")
    search_fields = ("user__email", "organization__name")
    autocomplete_fields = ("user", "organization")
    fields = ("user", "organization", "role")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        membership = membership_add(
            user=obj.user,
            organization=obj.organization,
            role=obj.role,
            actor=cast(User, request.user),
        )
        obj.pk, obj.created = membership.pk, membership.created

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only, and only the prefix: the hash is never shown, not even to superusers."""

    list_display = ("name", "user", "prefix", "created", "expires", "last_used", "revoked")
    list_filter = (("revoked", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    search_fields = ("user__email", "name", "prefix")
    fields = ("name", "user", "prefix", "created", "expires", "last_used", "revoked")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
