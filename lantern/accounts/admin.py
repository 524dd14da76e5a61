"""The coalition admins' pages for people, organizations, memberships and tokens.

Coalition admins are staff without superuser: what they may do comes from the "coalition
admins" group (`accounts.services.COALITION_ADMIN_PERMISSIONS`). Nothing here lets them
raise their own or anyone's privileges, or reach into an organization:

- Memberships and invitations are view-only here, for everyone. Membership is granted only
  through invitations (`membership_services`, `policy`): by the organization's own admins,
  or by a coalition admin with the organization's confirmation (the people pages and
  `lantern invite`).
- Users: no adding (new accounts come through invitations) and, for anyone but a
  superuser, no changing e-mail, password, SMS number or privileges: taking over an
  account would bypass all of the above.
- Organizations: the link to the HSDS organization is set when the organization is created
  and then only a superuser changes it (re-linking would hand one organization's
  confidential locations to another's members).
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from lantern.accounts.models import ApiToken, Invitation, Membership, Organization, User
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
# Fields only a superuser may change: they are how one logs in or is reached.
CREDENTIAL_FIELDS = ("email", "sms_number")


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
        return fields + CREDENTIAL_FIELDS + PRIVILEGE_FIELDS

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

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
        if not request.user.is_superuser:
            raise PermissionDenied
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

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is None or request.user.is_superuser:
            return fields
        return (*fields, "hsds_organization")


class ViewOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ViewOnlyAdmin):
    """View only: memberships start by invitation (and the organization's confirmation)
    and end through `membership_remove`, both on the people pages."""

    list_display = ("user", "organization", "role", "created")
    list_filter = ("role",)
    list_select_related = ("user", "organization")
    search_fields = ("user__email", "organization__name")
    fields = ("user", "organization", "role", "created")
    readonly_fields = fields


@admin.register(Invitation)
class InvitationAdmin(ViewOnlyAdmin):
    """View only, without the invited address or the token's hash."""

    list_display = ("organization", "role", "invited_by", "created", "expires", "state")
    list_filter = ("role",)
    list_select_related = ("organization", "invited_by")
    search_fields = ("organization__name",)
    fields = (
        "organization",
        "role",
        "invited_by",
        "created",
        "expires",
        "needs_confirmation",
        "confirmed_by",
        "confirmed_at",
        "accepted_by",
        "accepted_at",
        "revoked_at",
    )
    readonly_fields = fields

    @admin.display(description=_("state"))
    def state(self, obj: Invitation) -> str:
        if obj.accepted_at:
            return str(_("accepted"))
        if obj.revoked_at:
            return str(_("withdrawn"))
        if not obj.is_open():
            return str(_("expired"))
        if obj.awaiting_confirmation:
            return str(_("awaiting the organization's confirmation"))
        return str(_("sent"))


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
