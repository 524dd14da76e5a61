import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from lantern.notify.messages import KIND_CHOICES


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class Notification(models.Model):
    """One message to one person on one channel, and when it was handed to that channel.

    Neither the text nor the address or number is stored: the text is rendered from `kind`
    at delivery time, and the address comes from the recipient's account then.
    `error` is an exception class name only, never its message (which may quote an
    address or a number).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=40, choices=KIND_CHOICES)
    link_path = models.CharField(max_length=500)
    created = models.DateTimeField(default=timezone.now, db_index=True)
    handed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} to {self.recipient_id}"
