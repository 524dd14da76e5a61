"""Reminders to provider staff whose capacity figures are getting old (`lantern capacity remind`).

Which capacities: those of active services whose figure is aging *or* stale. Stale ones are
included because a figure advocates already see as "unknown" is the one most worth a nudge,
and because a run that missed the aging window (a hotline ages within hours; cron may have
been down) would otherwise never remind at all. To remind rather than nag, a capacity is
reminded about at most once per time it goes out of date (no reminder since its last
update) and never twice within LANTERN_REMINDER_COOLDOWN_HOURS.

Who: every active provider-staff member of the coalition organization linked to the HSDS
organization that owns the service. Each person gets ONE email (and one SMS when they gave a
number) covering all their organization's due capacities, in their preferred language.

What is said: no personal data, ever. The SMS is neutral ("Lantern: please confirm your
openings" and links): it names no service, organization, unit or service type, because a
phone may be seen by someone else. The email goes to a staff mailbox and names each
service and unit, so that several links can be told apart; it still carries no addresses
and nothing about the people served. Each link is a signed one-tap link for that person
(see `onetap.py`): it stops working if they leave the organization.
"""

import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import OuterRef, Prefetch, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from lantern.accounts.models import Membership, Role, User
from lantern.audit.services import audit_record
from lantern.core.site import site_url
from lantern.directory.freshness import FRESH, freshness
from lantern.directory.models import (
    CapacityReminder,
    ServiceCapacity,
    ServiceStatus,
    TaxonomyTerm,
)
from lantern.directory.onetap import one_tap_url
from lantern.notify.sms import send_sms

logger = logging.getLogger("lantern.directory.reminders")

# Above this many capacities the SMS carries one link to the provider page instead of one
# link per capacity: a text of a dozen long links is both costly and unusable.
SMS_MAX_LINKS = 3
EMAIL, SMS = "email", "sms"


@dataclass(frozen=True)
class RemindReport:
    due: int  # capacities out of date and not reminded about yet
    reminded: int  # of those, reached at least one person
    unreachable: int  # due, but their organization has no active provider staff
    recipients: int
    emails: int
    sms: int
    failures: int
    dry_run: bool
    skipped: bool = False  # another run was already sending


# Any fixed number: the advisory lock that lets one `capacity remind` run at a time.
REMIND_LOCK_KEY = 0x4C414E52  # "LANR"


@contextmanager
def _only_run() -> Iterator[bool]:
    """True when this is the only reminder run (PostgreSQL advisory lock, held for the
    session); two runs at once (an overlapping cron, two hosts) would both send. Elsewhere
    (SQLite, one process) always True."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REMIND_LOCK_KEY])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [REMIND_LOCK_KEY])


@dataclass
class _Item:
    capacity: ServiceCapacity
    hours: int


def _cooldown() -> timedelta:
    return timedelta(hours=settings.LANTERN_REMINDER_COOLDOWN_HOURS)


def capacities_due(*, now: datetime) -> list[_Item]:
    """Out-of-date capacities of active services that are not in their cooldown."""
    shortest_fresh = min(band[0] for band in settings.LANTERN_FRESHNESS_HOURS.values())
    last_sent = (
        CapacityReminder.objects.filter(capacity=OuterRef("pk")).order_by("-sent").values("sent")
    )
    candidates = (
        ServiceCapacity.objects.filter(
            service__status=ServiceStatus.ACTIVE,
            updated__lte=now - timedelta(hours=shortest_fresh),
        )
        .annotate(last_reminded=Subquery(last_sent[:1]))
        .select_related("service", "service__organization", "unit")
        .prefetch_related(
            Prefetch("service__service_types", queryset=TaxonomyTerm.objects.only("id", "code"))
        )
        .order_by("service__organization__name", "service__name", "id")
    )
    due = []
    for capacity in candidates:
        codes = [term.code for term in capacity.service.service_types.all()]
        if freshness(capacity.updated, now, codes) == FRESH:
            continue
        last = capacity.last_reminded
        if last is not None and (last >= capacity.updated or last > now - _cooldown()):
            continue
        hours = int((now - capacity.updated).total_seconds() // 3600)
        due.append(_Item(capacity=capacity, hours=hours))
    return due


def _staff_by_organization(hsds_org_ids: set[UUID]) -> dict[UUID, list[User]]:
    staff: dict[UUID, list[User]] = defaultdict(list)
    memberships = Membership.objects.filter(
        role=Role.PROVIDER_STAFF,
        user__is_active=True,
        organization__hsds_organization_id__in=hsds_org_ids,
    ).select_related("user", "organization")
    for membership in memberships.order_by("user__email", "id"):
        hsds_id = membership.organization.hsds_organization_id
        if hsds_id is not None:
            staff[hsds_id].append(membership.user)
    return staff


def _provider_url() -> str:
    return f"{site_url()}{reverse('directory:provider-capacities')}"


def sms_text(urls: list[str]) -> str:
    """Neutral on purpose: no service, organization, unit or type, only links."""
    if len(urls) > SMS_MAX_LINKS:
        return gettext("Lantern: please confirm your openings: %(url)s") % {"url": _provider_url()}
    return "\n".join([gettext("Lantern: please confirm your openings."), *urls])


def _send_to(user: User, items: list[_Item]) -> tuple[bool, bool, int]:
    """Send one email (and one SMS) to `user`; return (emailed, texted, failures)."""
    links = [(item, one_tap_url(item.capacity, recipient=user)) for item in items]
    emailed = texted = False
    failures = 0
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject = gettext("Lantern: please confirm your openings")
        body = render_to_string(
            "directory/email/capacity_reminder.txt",
            {
                "links": links,
                "link_hours": settings.LANTERN_ONE_TAP_LINK_HOURS,
                "provider_url": _provider_url(),
            },
        )
        try:
            send_mail(subject, body, None, [user.email])
            emailed = True
        except Exception:  # one bad address must not stop everyone else's reminders
            logger.exception("reminder email failed for user %s", user.pk)
            failures += 1
        if user.sms_number:
            try:
                send_sms(user.sms_number, sms_text([url for _, url in links]))
                texted = True
            except Exception:
                logger.exception("reminder sms failed for user %s", user.pk)
                failures += 1
    return emailed, texted, failures


def capacity_remind(*, now: datetime | None = None, dry_run: bool = False) -> RemindReport:
    """Remind provider staff of their out-of-date capacities; see the module docstring.
    A run that finds another one under way sends nothing (`skipped`)."""
    if dry_run:
        return _remind(now=now or timezone.now(), dry_run=True)
    with _only_run() as alone:
        if not alone:
            logger.info("capacity remind: another run is under way; nothing sent")
            return RemindReport(0, 0, 0, 0, 0, 0, 0, dry_run=False, skipped=True)
        return _remind(now=now or timezone.now(), dry_run=False)


def _remind(*, now: datetime, dry_run: bool) -> RemindReport:
    due = capacities_due(now=now)
    org_ids = {item.capacity.service.organization_id for item in due}
    staff = _staff_by_organization(org_ids)

    # One message per person, whatever number of organizations and capacities they cover.
    per_user: dict[str, list[_Item]] = defaultdict(list)
    users: dict[str, User] = {}
    unreachable = 0
    for item in due:
        people = staff.get(item.capacity.service.organization_id, [])
        if not people:
            unreachable += 1
        for user in people:
            users[str(user.pk)] = user
            per_user[str(user.pk)].append(item)

    if dry_run:
        return RemindReport(
            due=len(due),
            reminded=len(due) - unreachable,
            unreachable=unreachable,
            recipients=len(users),
            emails=len(users),
            sms=sum(1 for user in users.values() if user.sms_number),
            failures=0,
            dry_run=True,
        )

    emails = texts = failures = 0
    reached: dict[str, set[str]] = defaultdict(set)  # capacity id -> channels that worked
    for user_id, items in per_user.items():
        emailed, texted, failed = _send_to(users[user_id], items)
        emails += emailed
        texts += texted
        failures += failed
        for item in items:
            if emailed:
                reached[str(item.capacity.pk)].add(EMAIL)
            if texted:
                reached[str(item.capacity.pk)].add(SMS)

    report = RemindReport(
        due=len(due),
        reminded=len(reached),
        unreachable=unreachable,
        recipients=len(users),
        emails=emails,
        sms=texts,
        failures=failures,
        dry_run=False,
    )
    if emails or texts or failures:
        with transaction.atomic():
            CapacityReminder.objects.bulk_create(
                [
                    CapacityReminder(capacity_id=capacity_id, sent=now, channel=channel)
                    for capacity_id, channels in reached.items()
                    for channel in sorted(channels)
                ]
            )
            audit_record(
                actor=None,
                actor_label="system:capacity-remind",
                action="capacity.remind",
                object_type="capacity_reminder_run",
                object_id=now.isoformat(timespec="seconds"),
                detail={
                    "due": report.due,
                    "reminded": report.reminded,
                    "unreachable": report.unreachable,
                    "recipients": report.recipients,
                    "emails": report.emails,
                    "sms": report.sms,
                    "failures": report.failures,
                },
            )
    return report
