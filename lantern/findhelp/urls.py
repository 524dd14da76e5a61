"""The survivor pages (no login). Not namespaced: `home` is the site's front page."""

from django.urls import path

from lantern.findhelp import survivor

urlpatterns = [
    path("", survivor.find_help_page, name="home"),
    path("help/safety/", survivor.safety_page, name="help-safety"),
]
