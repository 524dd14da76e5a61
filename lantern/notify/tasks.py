from django_tasks import task

from lantern.notify.delivery import deliver_notification


@task()
def deliver(notification_id: str) -> None:
    """Hand one notification to its channel (see `delivery.deliver_notification`)."""
    deliver_notification(notification_id)
