from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "lantern.directory"
    label = "directory"
