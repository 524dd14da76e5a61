"""The coalition admin's organizations page: every member organization at a glance, and a
form that adds one (linked to its directory listing when it has one) and invites its first
admin in the same step. Thin: the decision is `accounts.policy`'s, the write
`accounts.organization_services.organization_create`.

It lives in `staff` because it joins two domains: the member organizations (accounts) and
the directory listings they may claim (directory), which accounts may not read.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from lantern.accounts import policy
from lantern.accounts.membership_services import InvitationError
from lantern.accounts.organization_services import NAME_MAX, organization_create
from lantern.accounts.people_views import verified_staff
from lantern.accounts.selectors import organizations_overview
from lantern.core.errors import NotFound
from lantern.directory.selectors import listings_unclaimed


class OrganizationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX)
    listing = forms.ChoiceField(
        label=gettext_lazy("Its directory listing (optional)"),
        required=False,
        help_text=gettext_lazy(
            "Its staff will update this listing's openings and see its confidential "
            "locations. Leave empty for an organization with no listing (an advocacy "
            "organization or a hotline)."
        ),
    )
    takes_help_requests = forms.BooleanField(
        label=gettext_lazy("Answers survivors' anonymous requests for an advocate"),
        required=False,
    )
    first_admin_email = forms.EmailField(
        label=gettext_lazy("E-mail of its first organization admin (optional)"),
        required=False,
        max_length=254,
        help_text=gettext_lazy(
            "They get an invitation to set a password and two-factor sign-in, and then "
            "invite their own staff."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("No listing"))]
        choices += [(str(org.pk), org.name) for org in listings_unclaimed().only("id", "name")]
        self.fields["listing"].choices = choices  # type: ignore[attr-defined]


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@verified_staff
def organizations(request: HttpRequest) -> HttpResponse:
    if not policy.may_create_organization(request.user):
        raise NotFound
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            organization, issued = organization_create(
                actor=request.user,  # type: ignore[arg-type]
                name=data["name"],
                hsds_organization_id=data["listing"] or None,
                takes_help_requests=data["takes_help_requests"],
                first_admin_email=data["first_admin_email"] or "",
            )
        except InvitationError as err:
            field = {"email": "first_admin_email"}.get(err.field, err.field)
            form.add_error(field if field in form.fields else None, str(err))
        else:
            if issued is not None:
                message = _("%(name)s added, and its first admin invited.")
            else:
                message = _("%(name)s added. Invite its first admin from People.")
            messages.success(request, message % {"name": organization.name})
            return redirect("staff-organizations")
    context = {"organizations": organizations_overview(), "form": form}
    return render(request, "staff/organizations.html", context, status=400 if form.errors else 200)
