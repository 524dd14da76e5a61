"""Notifying people: the channel layer that referrals (and later other apps) call.

`notify_users` records one Notification per person and channel in the caller's
transaction and hands each to the task backend only once that transaction commits: a
change that rolls back notifies nobody, and nobody hears of a change before it is visible.
With the immediate task backend delivery happens right after the commit; with the database
backend a `db_worker` sends it.

No audit event is written here: the change that causes a notification is audited by its
own service, and the Notification rows are the record of who was told and when.
"""

import logging
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone

from lantern.accounts.models import Organization, User
from lantern.notify.messages import check_link_path, message_kind
from lantern.notify.models import Channel, Notification
from lantern.notify.tasks import deliver

logger = logging.getLogger("lantern.notify")


def _enqueue(notification_id: str) -> None:
    try:
        deliver.enqueue(notification_id)
    except Exception as exc:  # the change has committed; a lost queue must not undo it
        error = type(exc).__name__[:100]
        Notification.objects.filter(pk=notification_id).update(
            failed_at=timezone.now(), error=error
        )
        logger.warning("notification %s could not be queued: %s", notification_id, error)


@transaction.atomic
def notify_users(*, users: Iterable[User], kind: str, link_path: str) -> list[Notification]:
    """Notify each active user by email (when they have an address) and by SMS (when they
    gave a number). Returns the Notification rows; delivery happens after commit.

    Raises ValueError for an unknown kind or a link that is not a plain path on this site.
    """
    message_kind(kind)
    check_link_path(link_path)
    notifications: list[Notification] = []
    seen: set[object] = set()
    for user in users:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        if user.email:
            notifications.append(
                Notification(recipient=user, channel=Channel.EMAIL, kind=kind, link_path=link_path)
            )
        if user.sms_number:
            notifications.append(
                Notification(recipient=user, channel=Channel.SMS, kind=kind, link_path=link_path)
            )
    Notification.objects.bulk_create(notifications)
    for notification in notifications:
        transaction.on_commit(partial(_enqueue, str(notification.pk)))
    return notifications


def notify_organization_staff(
    *, organization: Organization, roles: Iterable[str], kind: str, link_path: str
) -> list[Notification]:
    """Notify the active members of `organization` who hold one of `roles`."""
    roles = list(roles)
    if not roles:
        raise ValueError("roles must name at least one role")
    users = (
        User.objects.filter(
            is_active=True,
            memberships__organization=organization,
            memberships__role__in=roles,
            memberships__suspended__isnull=True,  # a suspended member is told nothing
        )
        .distinct()
        .order_by("email")
    )
    return notify_users(users=users, kind=kind, link_path=link_path)
