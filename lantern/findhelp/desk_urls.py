from django.urls import path

from lantern.findhelp import views as help_views

app_name = "help_requests"

urlpatterns = [
    path("", help_views.request_list, name="list"),
    path("<uuid:help_request_id>/", help_views.request_detail, name="detail"),
    path("<uuid:help_request_id>/claim/", help_views.request_claim, name="claim"),
    path("<uuid:help_request_id>/close/", help_views.request_close, name="close"),
    path("<uuid:help_request_id>/refer/", help_views.request_refer, name="refer"),
]
