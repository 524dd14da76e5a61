from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "lantern.notify"
    label = "notify"

    def ready(self) -> None:
        from lantern.notify import checks  # noqa: F401 - registers the system checks
