from django.contrib.auth import views as auth_views
from django.urls import path

from lantern.accounts import people_views, token_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("reauth/", views.reauth, name="reauth"),
    path("tokens/", token_views.token_list, name="tokens"),
    path("tokens/<uuid:token_id>/revoke/", token_views.token_revoke_view, name="token-revoke"),
    path("invitation/<str:token>/", people_views.invitation, name="invitation"),
    path("people/", people_views.people, name="people"),
    path("people/invite/", people_views.people_invite, name="people-invite"),
    path(
        "people/invitations/<uuid:invitation_id>/confirm/",
        people_views.invitation_confirm_view,
        name="invitation-confirm",
    ),
    path(
        "people/invitations/<uuid:invitation_id>/withdraw/",
        people_views.invitation_withdraw_view,
        name="invitation-withdraw",
    ),
    path(
        "people/members/<int:membership_id>/suspend/",
        people_views.membership_suspend_view,
        name="membership-suspend",
    ),
    path(
        "people/members/<int:membership_id>/reinstate/",
        people_views.membership_reinstate_view,
        name="membership-reinstate",
    ),
    path(
        "people/members/<int:membership_id>/remove/",
        people_views.membership_remove_view,
        name="membership-remove",
    ),
]
