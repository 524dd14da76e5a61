"""A staff member's own API tokens: see them, revoke them, create one (shown once).

Staff pages need the second factor; `/accounts/` pages are reachable before it (that is
where it is entered), so these views check it themselves. Creating a token hands out a
long-lived credential, so it also needs the password and a code entered in the last few
minutes (`reauth`). Someone else's token answers 404, the same as one that does not exist.
"""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from lantern.accounts.middleware import is_verified
from lantern.accounts.reauth import recently_reauthenticated
from lantern.accounts.selectors import token_of, tokens_of
from lantern.accounts.services import IssuedToken, token_create, token_revoke
from lantern.accounts.token_forms import ApiTokenCreateForm


def _elsewhere(request: HttpRequest, name: str) -> HttpResponse:
    """Off to the second factor or the re-authentication page, then back to the list."""
    query = urlencode({"next": reverse("accounts:tokens")})
    return redirect(f"{reverse(name)}?{query}")


@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    if not is_verified(request.user):
        return _elsewhere(request, "accounts:two-factor")
    issued: IssuedToken | None = None
    form = ApiTokenCreateForm(request.POST or None)
    if request.method == "POST":
        if not recently_reauthenticated(request):
            return _elsewhere(request, "accounts:reauth")
        if form.is_valid():
            issued = token_create(
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                expires_days=form.cleaned_data["expires_days"],
                actor=request.user,  # type: ignore[arg-type]
            )
            form = ApiTokenCreateForm()
    context: dict[str, Any] = {
        "tokens": tokens_of(request.user),
        "form": form,
        "issued": issued,
        "may_create": recently_reauthenticated(request),
        "reauth_url": f"{reverse('accounts:reauth')}?"
        + urlencode({"next": reverse("accounts:tokens")}),
    }
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, token_id: UUID) -> HttpResponse:
    if not is_verified(request.user):
        return _elsewhere(request, "accounts:two-factor")
    token = token_of(request.user, token_id)
    token_revoke(token=token, actor=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
