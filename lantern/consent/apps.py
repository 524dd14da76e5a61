from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "lantern.consent"
    label = "consent"
