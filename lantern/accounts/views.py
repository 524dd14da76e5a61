"""Log in with password, then a TOTP code; set up TOTP on first log-in; re-authenticate."""

import time
from base64 import b32encode
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from lantern.accounts.forms import ReauthForm, TokenForm
from lantern.accounts.middleware import is_verified
from lantern.accounts.reauth import REAUTH_SESSION_KEY
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
        query = urlencode({"next": self.get_redirect_url() or "/"})
        return f"{reverse('accounts:two-factor')}?{query}"


def _totp_device(user: Any, *, confirmed: bool) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


def _qr_svg(config_url: str) -> str:
    image = qrcode.make(config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a TOTP code, or set up the authenticator on first log-in."""
    user = request.user
    next_url = safe_next(request)
    if is_verified(user):
        return redirect(next_url)
    device = _totp_device(user, confirmed=True)
    setting_up = device is None
    if setting_up:
        device = _totp_device(user, confirmed=False) or TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=False
        )
    form = TokenForm(request.POST or None)
    if request.method == "POST":
        if limited(request, "otp", key=account_key(str(user.pk)), increment=False):
            return too_many(request)
        if form.is_valid():
            token = form.cleaned_data["token"]
            matched = device if device.verify_token(token) else None  # type: ignore[union-attr]
            if matched is None and not setting_up:
                matched = match_token(user, token)
            if matched is not None:
                if setting_up:
                    matched.confirmed = True
                    matched.save(update_fields=["confirmed"])
                otp_login(request, matched)
                request.session[REAUTH_SESSION_KEY] = int(time.time())
                audit_record(
                    actor=user,
                    action="login.2fa" if not setting_up else "2fa.enrol",
                    object_type="user",
                    object_id=user.pk,
                )
                return redirect(next_url)
            limited(request, "otp", key=account_key(str(user.pk)))
            form.add_error("token", _("That code did not work. Try the newest code."))
    context: dict[str, Any] = {"form": form, "next": next_url, "setting_up": setting_up}
    if setting_up:
        context["qr_svg"] = _qr_svg(device.config_url)  # type: ignore[union-attr]
        context["secret"] = b32encode(device.bin_key).decode()  # type: ignore[union-attr]
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
