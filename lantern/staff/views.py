"""The staff home page: each role's work at a glance, counts and links only.

No personal data here (no names, needs or messages): the home page is what stays on a
screen between tasks. Each card is shown when the bar (`nav.py`) shows its entry.
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lantern.cases.selectors import open_cases_count
from lantern.directory.selectors import capacities_of_user
from lantern.directory.verification import services_unverified
from lantern.findhelp.selectors import help_requests_open_for
from lantern.referrals.selectors import referrals_page
from lantern.staff.nav import items_for

# Counted up to this many; beyond it the card says "100 or more".
COUNT_CAP = 100


def _cards(user: Any) -> dict[str, Any]:
    items = items_for(user)
    keys = {item.key for item in items}
    # The bar's entries too: the context processor's lazy copy would ask the same
    # policies again for this page.
    cards: dict[str, Any] = {"keys": keys, "staff_nav": items}
    if "help-requests" in keys:
        cards["help_requests"] = len(help_requests_open_for(user, limit=COUNT_CAP))
    if "outbox" in keys:
        cards["outbox"] = referrals_page(user, box="outbox", open_only=True, limit=0).total
    if "inbox" in keys:
        cards["inbox"] = referrals_page(user, box="inbox", open_only=True, limit=0).total
    if "cases" in keys:
        cards["cases"] = open_cases_count(user, limit=COUNT_CAP)
    if "openings" in keys:
        cards["openings"] = list(capacities_of_user(user)[:COUNT_CAP])
    if "admin" in keys:
        months = settings.LANTERN_LISTING_VERIFY_MONTHS
        cards["to_verify"] = services_unverified(months=months).count()
        cards["to_verify_url"] = (
            reverse("admin:directory_service_changelist") + "?verification=overdue"
        )
    cards["count_cap"] = COUNT_CAP
    return cards


@never_cache
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Signed in: the role's cards. Otherwise: the public links and the way to sign in."""
    context = _cards(request.user) if request.user.is_authenticated else {}
    return render(request, "staff/home.html", context)
