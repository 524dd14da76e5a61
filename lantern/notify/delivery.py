"""Sending one recorded notification: render it in the recipient's language, hand it to
the email or SMS channel, and record when that happened (or that it failed).

Logs carry ids and exception class names only: an exception's text may quote an address
or a number.
"""

import logging
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from lantern.notify.messages import render_message
from lantern.notify.models import Channel, Notification
from lantern.notify.sms import send_sms

logger = logging.getLogger("lantern.notify")


class RecipientUnreachable(Exception):
    """The recipient was deactivated, or removed the address, after the message was queued."""


def _language(code: str) -> str:
    supported = {lang for lang, _ in settings.LANGUAGES}
    return code if code in supported else settings.LANGUAGE_CODE


def _send(notification: Notification) -> None:
    user = notification.recipient
    if not user.is_active:
        raise RecipientUnreachable
    with translation.override(_language(user.preferred_language)):
        message = render_message(notification.kind, notification.link_path)
        if notification.channel == Channel.EMAIL:
            if not user.email:
                raise RecipientUnreachable
            send_mail(message.subject, message.email_body, None, [user.email])
        elif notification.channel == Channel.SMS:
            if not user.sms_number:
                raise RecipientUnreachable
            send_sms(user.sms_number, message.sms_body)
        else:  # pragma: no cover - the column's choices allow nothing else
            raise ValueError("unknown channel")


def deliver_notification(notification_id: str | UUID) -> Notification | None:
    """Send one notification unless it was already handed over or failed; never raises.

    A task may run twice (a retried worker): the second run sends nothing.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None:
            logger.warning("notification %s not found (rolled back or deleted)", notification_id)
            return None
        if notification.handed_at or notification.failed_at:
            return notification
        try:
            _send(notification)
        except Exception as exc:  # the caller's change has committed; report, never raise
            notification.failed_at = timezone.now()
            notification.error = type(exc).__name__[:100]
            notification.save(update_fields=["failed_at", "error"])
            logger.warning(
                "notification %s (%s) failed: %s",
                notification.pk,
                notification.channel,
                notification.error,
            )
        else:
            notification.handed_at = timezone.now()
            notification.save(update_fields=["handed_at"])
    return notification
