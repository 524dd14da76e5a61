"""The one JSON API, /api/v1/, composed from each domain's router, with one OpenAPI document."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError

from lantern.accounts.api_auth import api_user, optional_auth, unauthenticated_answer, write_auth
from lantern.accounts.selectors import memberships_of
from lantern.cases.api import router as cases_router
from lantern.consent.api import router as consent_router
from lantern.core.api_errors import install_error_handlers
from lantern.directory.api import router as directory_router
from lantern.directory.profile import profile_document
from lantern.matching.api import router as matching_router
from lantern.referrals.api import router as referrals_router
from lantern.referrals.metrics_api import router as metrics_router


class LanternAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        """Public reads take a token but do not need one: OpenAPI says so with the empty
        requirement `{}` beside the bearer scheme (django-ninja lists the scheme alone)."""
        schema = super().get_openapi_schema(**kwargs)
        optional: dict[str, list[str]] = {type(optional_auth).__name__: []}
        for item in schema["paths"].values():
            for operation in item.values():
                security = operation.get("security") or []
                if optional in security and {} not in security:
                    security.append({})
        return schema


api = LanternAPI(
    title="Lantern API",
    version="1",
    description=(
        "Open Referral HSDS 3.1 directory with Lantern's profile, and Lantern's own "
        "operations. Authenticate with `Authorization: Bearer <token>` "
        "(`lantern token create EMAIL`, or the API tokens page for staff); a call without "
        "credentials answers 401 with `WWW-Authenticate: Bearer`. Organizations have two "
        "identifiers: the HSDS endpoints (`/organizations/{organization_id}`, a service's "
        "`organization_id`) take the directory's `hsds_organization_id`; Lantern's own "
        "operations (a referral's `organization_id`, the referral metrics' `organization_id` "
        "filter) take the member organization's "
        "`account_organization_id`. `GET /me` lists both for each of your organizations."
    ),
    urls_namespace="api",
    docs_url=None,
)


# FieldError 422, NotFound/Http404 404, 401 with WWW-Authenticate, 413: one error shape.
install_error_handlers(api)


# Accounts knows why a bearer token failed (RFC 6750 `invalid_token`): its answer replaces the
# generic 401 installed above.
@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> Any:
    body, challenge = unauthenticated_answer(request)
    response = api.create_response(request, body, status=401)
    response["WWW-Authenticate"] = challenge
    return response


class ApiMeta(Schema):
    version: str
    profile: str
    openapi_url: str


@api.get("/", response=ApiMeta, auth=None, summary="About this API and its HSDS profile")
def api_meta(request: HttpRequest) -> Any:
    return {
        "version": "3.1",
        "profile": request.build_absolute_uri(reverse("api:profile")),
        "openapi_url": request.build_absolute_uri(reverse("api:openapi-json")),
    }


@api.get(
    "/profile",
    response=dict[str, Any],
    auth=None,
    url_name="profile",
    summary="The Lantern HSDS profile document",
)
def api_profile(request: HttpRequest) -> Any:
    return profile_document(request.build_absolute_uri(reverse("api:profile")))


class MeOrganization(Schema):
    """A member organization you belong to. It has two identifiers, for two kinds of
    endpoint; neither is called plain `id` so that no one has to guess."""

    account_organization_id: str = Field(
        description=(
            "The member organization in Lantern's own operations (for example "
            "`organization_id` when sending a referral). Not accepted by the HSDS endpoints."
        )
    )
    name: str
    hsds_organization_id: str | None = Field(
        description=(
            "The same organization in the HSDS directory: the id that "
            "`/organizations/{organization_id}` takes and that services carry as "
            "`organization_id`. Null when it has no directory listing (an advocacy "
            "organization or the coalition itself)."
        )
    )
    roles: list[str]


class Me(Schema):
    id: str = Field(description="Your user id")
    email: str
    display_name: str
    organizations: list[MeOrganization]


@api.get(
    "/me",
    response={200: Me, 401: dict[str, Any]},
    auth=write_auth,
    summary="Who am I",
    description=(
        "Your account and the organizations you belong to, each with its "
        "`account_organization_id` (Lantern's own operations) and its "
        "`hsds_organization_id` (the HSDS directory endpoints)."
    ),
)
def me(request: HttpRequest) -> Any:
    user = api_user(request)
    orgs: dict[str, dict[str, Any]] = {}
    for membership in memberships_of(user).order_by("organization__name", "role"):
        org = membership.organization
        entry = orgs.setdefault(
            str(org.pk),
            {
                "account_organization_id": str(org.pk),
                "name": org.name,
                "hsds_organization_id": (
                    str(org.hsds_organization_id) if org.hsds_organization_id else None
                ),
                "roles": [],
            },
        )
        entry["roles"].append(membership.role)
    return {
        "id": str(user.pk),
        "email": user.email,
        "display_name": user.display_name,
        "organizations": list(orgs.values()),
    }


api.add_router("/", directory_router)
api.add_router("/", matching_router)
api.add_router("/", consent_router)
# Before the referrals router: `/referrals/{referral_id}` would take "metrics" for an id.
api.add_router("/", metrics_router)
api.add_router("/", referrals_router)
api.add_router("/", cases_router)
