"""Log in with password, then a TOTP code; set up TOTP on first log-in; re-authenticate."""

import time
from typing import Any, cast

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token

from lantern.accounts import enrolment
from lantern.accounts.forms import ReauthForm, TokenForm
from lantern.accounts.middleware import is_verified
from lantern.accounts.models import User
from lantern.accounts.reauth import REAUTH_SESSION_KEY
from lantern.accounts.selectors import confirmed_device
from lantern.audit.services import audit_record
from lantern.core.ratelimit import account_key, limited, too_many


def safe_next(request: HttpRequest, default: str = "/") -> str:
    """The `next` target if it stays on this site, otherwise `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class LoginView(auth_views.LoginView):
    """Password step. Repeated failures lock the account (and throttle the client) for a
    while; the answer never says whether the email exists."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = False

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        account = account_key(request.POST.get("username", ""))
        if limited(request, "login", key=account, increment=False) or limited(
            request, "login_ip", increment=False
        ):
            audit_record(
                actor=None, action="login.locked", object_type="account", object_id=account[:16]
            )
            return too_many(request)
        response = super().post(request, *args, **kwargs)
        if not request.user.is_authenticated:
            limited(request, "login", key=account)
            limited(request, "login_ip")
            audit_record(
                actor=None, action="login.failed", object_type="account", object_id=account[:16]
            )
        return response

    def get_success_url(self) -> str:
        # Without a `next`, staff land on their home page (settings.LOGIN_REDIRECT_URL),
        # never on the survivor's front page.
        query = urlencode(
            {"next": self.get_redirect_url() or resolve_url(settings.LOGIN_REDIRECT_URL)}
        )
        return f"{reverse('accounts:two-factor')}?{query}"


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a TOTP code, or set up the authenticator on first log-in.

    Setting up: the secret shown is this session's own (`enrolment.pending_key`); no device
    exists until a code from it is entered (`enrolment.totp_enrol_confirm`).
    """
    user = cast(User, request.user)  # login_required
    next_url = safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL))
    if is_verified(user):
        return redirect(next_url)
    setting_up = confirmed_device(user) is None
    key = enrolment.pending_key(request.session, purpose=str(user.pk)) if setting_up else ""
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        if limited(request, "otp", key=account_key(str(user.pk)), increment=False):
            return too_many(request)
        if form.is_valid():
            token = form.cleaned_data["token"]
            if setting_up:
                matched = enrolment.totp_enrol_confirm(user=user, key_hex=key, token=token)
            else:
                matched = match_token(user, token)
            if matched is not None:
                otp_login(request, matched)
                enrolment.forget_key(request.session)
                request.session[REAUTH_SESSION_KEY] = int(time.time())
                if not setting_up:
                    audit_record(
                        actor=user, action="login.2fa", object_type="user", object_id=user.pk
                    )
                return redirect(next_url)
            limited(request, "otp", key=account_key(str(user.pk)))
            form.add_error("token", _("That code did not work. Try the newest code."))
    context: dict[str, Any] = {"form": form, "next": next_url, "setting_up": setting_up}
    if setting_up:
        context["qr_svg"] = enrolment.qr_svg(key, account=user.email)
        context["secret"] = enrolment.secret_text(key)
    return render(request, "accounts/two_factor.html", context)


@login_required
def reauth(request: HttpRequest) -> HttpResponse:
    """Ask again for the password and a code before a sensitive action (an export)."""
    next_url = safe_next(request)
    form = ReauthForm(request.POST or None)
    if request.method == "POST":
        if limited(request, "otp", key=account_key(str(request.user.pk)), increment=False):
            return too_many(request)
        if form.is_valid():
            ok_password = request.user.check_password(form.cleaned_data["password"])
            device = match_token(request.user, form.cleaned_data["token"])
            if ok_password and device is not None:
                request.session[REAUTH_SESSION_KEY] = int(time.time())
                audit_record(
                    actor=request.user,
                    action="login.reauth",
                    object_type="user",
                    object_id=request.user.pk,
                )
                return redirect(next_url)
            limited(request, "otp", key=account_key(str(request.user.pk)))
            form.add_error(None, _("The password or the code did not work."))
    return render(request, "accounts/reauth.html", {"form": form, "next": next_url})
