from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "lantern.notify"
    label = "notify"
