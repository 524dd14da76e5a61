from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One append-only, hash-chained record of something that happened.

    `hash` covers `prev_hash` and the event's own content, so altering or deleting any row
    breaks the chain from that row on (see `lantern audit verify`). `detail` never holds
    personal data: ids, field names, counts and non-sensitive values only.
    """

    created = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, db_index=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action}"


class AuditHead(models.Model):
    """The signed pointer to the newest audit event (one row), moved on by every append.

    The chain alone cannot show that its newest events were deleted: nothing later links to
    them. The head can: it still names the deleted event, and it cannot be moved back without
    the server's key (SECRET_KEY, which lives in the environment, not the database).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    event_id = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    signature = models.CharField(max_length=100)
    updated = models.DateTimeField()

    def __str__(self) -> str:
        return f"audit head: event {self.event_id}"
