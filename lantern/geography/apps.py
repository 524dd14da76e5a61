from django.apps import AppConfig


class GeographyConfig(AppConfig):
    name = "lantern.geography"
    label = "geography"
