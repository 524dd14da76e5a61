from django.contrib.auth import views as auth_views
from django.urls import path

from lantern.accounts import token_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("reauth/", views.reauth, name="reauth"),
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", token_views.token_revoke_view, name="token-revoke"),
]
