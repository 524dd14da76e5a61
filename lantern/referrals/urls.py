from django.urls import path

from lantern.referrals import metrics_views, views

app_name = "referrals"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<uuid:referral_id>/", views.inbox_detail, name="inbox-detail"),
    path("inbox/<uuid:referral_id>/release/", views.inbox_release, name="inbox-release"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<uuid:referral_id>/", views.outbox_detail, name="outbox-detail"),
    path("refer/<uuid:service_id>/", views.referral_new, name="new"),
    path("metrics/", metrics_views.dashboard, name="metrics"),
]
