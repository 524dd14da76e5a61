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
