"""The people pages: accept an invitation; an organization's admins invite, confirm and
remove people. Thin: every decision is `policy`'s, every write a `membership_services` call.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django_otp import login as otp_login

from lantern.accounts import enrolment, selectors
from lantern.accounts.forms import AcceptInvitationForm, InviteForm
from lantern.accounts.membership_services import (
    InvitationError,
    existing_account,
    invitation_accept,
    invitation_confirm,
    invitation_create,
    invitation_from_token,
    invitation_withdraw,
    membership_reinstate,
    membership_remove,
    membership_suspend,
)
from lantern.accounts.middleware import is_verified
from lantern.accounts.roles import REGISTRY, role_label
from lantern.core.errors import NotFound
from lantern.core.ratelimit import account_key, limited, too_many


def verified_staff(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in with both factors (pages under /accounts/ are otherwise open to a
    password-only session, for the two-factor step)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('accounts:login')}?{query}")
        if not is_verified(request.user):
            return redirect(reverse("accounts:two-factor"))
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail. A new person sets a password and an authenticator here;
    someone with an account logs in first and then accepts."""
    found = invitation_from_token(token)
    account = existing_account(found)
    user = request.user if request.user.is_authenticated else None
    if account is not None:
        if user is None or not is_verified(user):
            query = urlencode({"next": request.get_full_path()})
            return render(
                request,
                "accounts/invitation.html",
                {"log_in": f"{reverse('accounts:login')}?{query}", "role": role_label(found.role)},
            )
        if user.pk != account.pk:
            raise NotFound
        if request.method == "POST":
            invitation_accept(token=token, user=user)
            messages.success(request, _("You have joined the organization."))
            return redirect(settings.LOGIN_REDIRECT_URL)  # the staff home
        return render(
            request, "accounts/invitation.html", {"accept": True, "role": role_label(found.role)}
        )
    if user is not None:
        raise NotFound  # logged in as someone else: this link is for a new account
    key = enrolment.pending_key(request.session, purpose=f"invitation:{found.pk}")
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST":
        if limited(request, "otp", key=account_key(f"invitation:{found.pk}"), increment=False):
            return too_many(request)
        if form.is_valid():
            try:
                membership = invitation_accept(
                    token=token,
                    password=form.cleaned_data["password1"],
                    totp_key=key,
                    totp_code=form.cleaned_data["token"],
                    display_name=form.cleaned_data["display_name"],
                )
            except InvitationError as err:
                limited(request, "otp", key=account_key(f"invitation:{found.pk}"))
                form.add_error(err.field, str(err))
            else:
                enrolment.forget_key(request.session)
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
                otp_login(request, selectors.confirmed_device(membership.user))
                return redirect(settings.LOGIN_REDIRECT_URL)  # the staff home
    context = {
        "form": form,
        "role": role_label(found.role),
        "qr_svg": enrolment.qr_svg(key, account=found.email),
        "secret": enrolment.secret_text(key),
    }
    return render(request, "accounts/invitation.html", context)


def _invitable_roles() -> list[tuple[str, object]]:
    return [(spec.code, spec.label) for spec in REGISTRY.values() if spec.invitable]


@require_safe
@never_cache
@verified_staff
def people(request: HttpRequest) -> HttpResponse:
    """An organization admin's people: members, open invitations, an invitation form.
    Coalition admins see a form to invite into any organization (onboarding)."""
    managed = list(selectors.managed_organizations(request.user))
    coalition = selectors.is_coalition_admin(request.user)
    if not managed and not coalition:
        raise NotFound
    organizations = [
        {
            "organization": org,
            "members": selectors.organization_members(org),
            "invitations": selectors.organization_invitations(org),
            "form": InviteForm(initial={"organization": org.pk}, roles=_invitable_roles()),
        }
        for org in managed
    ]
    context: dict[str, Any] = {
        "organizations": organizations,
        "labels": {spec.code: spec.label for spec in REGISTRY.values()},
    }
    if coalition:
        context["all_organizations"] = selectors.all_organizations()
        context["coalition_form"] = InviteForm(roles=_invitable_roles())
    return render(request, "accounts/people.html", context)


def _back(request: HttpRequest, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("accounts:people")


@require_POST
@verified_staff
def people_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST, roles=_invitable_roles())
    if not form.is_valid():
        messages.error(request, _("Enter an e-mail address and a role."))
        return redirect("accounts:people")
    organization = selectors.organization_by_id(form.cleaned_data["organization"])
    try:
        issued = invitation_create(
            actor=request.user,  # type: ignore[arg-type]
            organization=organization,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
        )
    except InvitationError as err:
        messages.error(request, str(err))
        return redirect("accounts:people")
    if issued.link is None:
        return _back(request, _("Invitation made. It is sent once the organization confirms."))
    return _back(request, _("Invitation sent."))


@require_POST
@verified_staff
def invitation_confirm_view(request: HttpRequest, invitation_id: UUID) -> HttpResponse:
    found = selectors.invitation_by_id(invitation_id)
    invitation_confirm(invitation=found, actor=request.user)  # type: ignore[arg-type]
    return _back(request, _("Invitation confirmed and sent."))


@require_POST
@verified_staff
def invitation_withdraw_view(request: HttpRequest, invitation_id: UUID) -> HttpResponse:
    found = selectors.invitation_by_id(invitation_id)
    invitation_withdraw(invitation=found, actor=request.user)  # type: ignore[arg-type]
    return _back(request, _("Invitation withdrawn."))


@require_POST
@verified_staff
def membership_remove_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    found = selectors.membership_by_id(membership_id)
    membership_remove(membership=found, actor=request.user)  # type: ignore[arg-type]
    return _back(request, _("Removed."))


@require_POST
@verified_staff
def membership_suspend_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    found = selectors.membership_by_id(membership_id)
    membership_suspend(membership=found, actor=request.user)  # type: ignore[arg-type]
    return _back(request, _("Suspended: this membership grants nothing until reinstated."))


@require_POST
@verified_staff
def membership_reinstate_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    found = selectors.membership_by_id(membership_id)
    membership_reinstate(membership=found, actor=request.user)  # type: ignore[arg-type]
    return _back(request, _("Reinstated."))
