"""The survivor's "ask an advocate" page (no login). Not namespaced, like `home`."""

from django.urls import path

from lantern.referrals import help_ask

urlpatterns = [
    path("", help_ask.ask_page, name="help-ask"),
]
