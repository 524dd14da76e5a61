"""Listing verification: which listings nobody has confirmed lately, and telling the admins.

A listing is verified when a coalition admin marks it so (`services.service_assure`, which
sets HSDS `assured_date` and `assurer_email`). It is overdue when it was never verified or
its `assured_date` is more than `months` calendar months before today: a listing verified
exactly six months ago today is not yet overdue with `months=6`; tomorrow it is.
Defunct services are left out, since there is nothing left to verify.
"""

import calendar
import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from lantern.accounts.models import Membership, Role, User
from lantern.audit.services import audit_record
from lantern.core.site import site_url
from lantern.directory.models import Service, ServiceStatus

logger = logging.getLogger("lantern.directory.verification")

# The most listings named in one email; the admin page has the rest.
EMAIL_MAX_LISTED = 50


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier, clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def unverified_q(*, months: int, today: date | None = None) -> Q:
    """The filter for overdue listings (shared by the selector and the admin's list filter)."""
    cutoff = months_before(today or timezone.localdate(), months)
    return Q(assured_date__isnull=True) | Q(assured_date__lt=cutoff)


def services_unverified(*, months: int, today: date | None = None) -> QuerySet[Service]:
    """Listings never verified, or not in the last `months` months; never-verified first."""
    return (
        Service.objects.exclude(status=ServiceStatus.DEFUNCT)
        .filter(unverified_q(months=months, today=today))
        .select_related("organization")
        .order_by(F("assured_date").asc(nulls_first=True), "organization__name", "name", "id")
    )


def admin_overdue_url() -> str:
    path = reverse("admin:directory_service_changelist")
    return f"{site_url()}{path}?verification=overdue"


def coalition_admins() -> list[User]:
    memberships = (
        Membership.objects.filter(role=Role.COALITION_ADMIN, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    )
    return list({m.user.pk: m.user for m in memberships}.values())


@dataclass(frozen=True)
class NotifyReport:
    unverified: int
    admins: int
    emails: int
    failures: int


def unverified_notify(*, months: int, today: date | None = None) -> NotifyReport:
    """Email every coalition admin a summary of overdue listings (nothing when none are)."""
    listings = services_unverified(months=months, today=today)
    count = listings.count()
    admins = coalition_admins()
    if count == 0 or not admins:
        return NotifyReport(unverified=count, admins=len(admins), emails=0, failures=0)
    shown = list(listings[:EMAIL_MAX_LISTED])
    emails = failures = 0
    for admin in admins:
        with translation.override(admin.preferred_language or settings.LANGUAGE_CODE):
            subject = gettext("Lantern: %(count)d listings need verifying") % {"count": count}
            body = render_to_string(
                "directory/email/unverified_listings.txt",
                {
                    "count": count,
                    "months": months,
                    "listings": shown,
                    "more": count - len(shown),
                    "admin_url": admin_overdue_url(),
                },
            )
        try:
            send_mail(subject, body, None, [admin.email])
            emails += 1
        except Exception:  # one bad address must not stop the others
            logger.exception("verification email failed for user %s", admin.pk)
            failures += 1
    audit_record(
        actor=None,
        actor_label="system:listings-unverified",
        action="listing.unverified_notify",
        object_type="service",
        object_id="*",
        detail={"unverified": count, "months": months, "emails": emails, "failures": failures},
    )
    return NotifyReport(unverified=count, admins=len(admins), emails=emails, failures=failures)
