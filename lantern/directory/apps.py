from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "lantern.directory"
    label = "directory"

    def ready(self) -> None:
        from lantern.directory import signals

        signals.connect()
