from django.urls import path

from lantern.directory import hsds_views, views

app_name = "directory"

urlpatterns = [
    path("provider/capacity/", views.provider_capacities, name="provider-capacities"),
    path(
        "provider/capacity/<uuid:capacity_id>/",
        views.provider_capacity_action,
        name="provider-capacity-action",
    ),
    path("c/<str:token>/", views.one_tap, name="one-tap"),
    path("directory/hsds/", hsds_views.hsds_exchange, name="hsds"),
    path("directory/hsds/export/", hsds_views.hsds_export_download, name="hsds-export"),
]
