from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_safe

from lantern import api_reference
from lantern.accounts import views as account_views
from lantern.api import api
from lantern.staff import organizations as staff_organizations
from lantern.staff import views as staff_views

admin.site.site_header = "Lantern administration"
admin.site.site_title = "Lantern"


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """The static SVG icon (resolved per request: the static manifest may not exist at
    import time)."""
    return redirect(static("lantern/favicon.svg"), permanent=True)


urlpatterns = [
    # The front page is the survivor's "find help" flow; staff links live at /staff/.
    path("", include("lantern.findhelp.urls")),
    path("help/ask/", include("lantern.findhelp.ask_urls")),
    path("advocate/", include("lantern.matching.advocate_urls")),
    path("staff/", staff_views.home, name="staff-home"),
    path("staff/organizations/", staff_organizations.organizations, name="staff-organizations"),
    # A neutral prefix: these links travel in e-mails and texts that others may see.
    path("desk/requests/", include("lantern.findhelp.desk_urls", namespace="help_requests")),
    path("desk/", include("lantern.referrals.urls")),
    path("cases/", include("lantern.cases.urls")),
    path("accounts/", include("lantern.accounts.urls")),
    path("", include("lantern.directory.urls")),
    # A readable reference built from the OpenAPI document (no script, no other origin).
    path("api/v1/docs", api_reference.reference, name="api-docs"),
    path("api/v1/", api.urls),
    # The admin uses the same password + TOTP log-in as every other page.
    path("admin/login/", account_views.LoginView.as_view()),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on their own (JSON answers, error pages without a link).
    path("favicon.ico", favicon),
]

# Lantern's own error pages (quick exit, English and Spanish, no debug information); under
# /api/ the API's JSON error shape.
handler400 = "lantern.core.error_pages.bad_request"
handler403 = "lantern.core.error_pages.permission_denied"
handler404 = "lantern.core.error_pages.page_not_found"
handler500 = "lantern.core.error_pages.server_error"
