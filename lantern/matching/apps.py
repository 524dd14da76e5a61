from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "lantern.matching"
    label = "matching"
