"""The survivor's "ask an advocate" page (no login). Not namespaced, like `home`."""

from django.urls import path

from lantern.findhelp import ask as help_ask

urlpatterns = [
    path("", help_ask.ask_page, name="help-ask"),
]
