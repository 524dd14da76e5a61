"""Every API 4xx answers `{"detail": [{"loc": [...], "msg": "..."}]}`, whoever found the
problem: routing, authentication, the rate limiter, a domain rule or the body size."""

import json
import uuid

import pytest
from django.test import Client

from lantern.directory.models import ServiceCapacity

pytestmark = pytest.mark.django_db

BIG = 2_621_440 + 1024  # just over Django's DATA_UPLOAD_MAX_MEMORY_SIZE


def assert_error_shape(response, status: int, loc0: str | None = None) -> list[dict]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    for item in detail:
        assert isinstance(item["loc"], list) and item["loc"]
        assert isinstance(item["msg"], str) and item["msg"]
    if loc0 is not None:
        assert detail[0]["loc"][0] == loc0
    assert b"Traceback" not in response.content
    return detail


def _json_post(client, url, body, **headers):
    return client.post(url, data=body, content_type="application/json", **headers)


def test_unknown_api_url_is_a_json_404():
    assert_error_shape(Client().get("/api/v1/no-such-thing"), 404, "path")


def test_unknown_id_is_a_json_404():
    assert_error_shape(Client().get(f"/api/v1/services/{uuid.uuid4()}"), 404, "path")


def test_wrong_method_is_a_json_405_that_names_the_allowed_methods():
    response = Client().delete("/api/v1/services")
    assert_error_shape(response, 405, "method")
    assert "GET" in response["Allow"]


def test_no_credentials_is_a_json_401_with_bearer_challenge():
    response = Client().get("/api/v1/me")
    assert_error_shape(response, 401, "header")
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_bad_token_is_a_json_401():
    response = Client().get("/api/v1/services", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert_error_shape(response, 401, "header")


def test_an_invalid_body_is_a_json_422_naming_the_field():
    response = _json_post(Client(), "/api/v1/match", json.dumps({"age": "old"}))
    detail = assert_error_shape(response, 422, "body")
    assert "age" in detail[0]["loc"]


def test_an_oversized_body_is_a_json_413_not_a_traceback():
    body = json.dumps({"preferences": ["x" * BIG]})
    assert_error_shape(_json_post(Client(), "/api/v1/match", body), 413, "body")


def test_an_oversized_body_is_a_json_413_with_debug_on_too(settings):
    settings.DEBUG = True
    body = json.dumps({"preferences": ["x" * BIG]})
    assert_error_shape(_json_post(Client(), "/api/v1/match", body), 413, "body")


def test_too_many_requests_is_a_json_429(rate_limits, settings):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "anonymous_api": "1/m"}
    client = Client()
    assert client.get("/api/v1/").status_code == 200
    response = client.get("/api/v1/")
    assert_error_shape(response, 429)
    assert response["Retry-After"] == "60"


def test_a_conflict_is_a_json_409(world):
    ServiceCapacity.objects.filter(service_id=world.b_public.service_id).update(available=0)
    advocate = world["advocate_a"]
    body = {"service_id": str(world.b_public.service_id), "needs": {"age": 31}, "hold": True}
    response = _json_post(
        advocate.client(), "/api/v1/referrals", json.dumps(body), **advocate.api_headers()
    )
    assert_error_shape(response, 409)


def test_reshaping_keeps_the_answers_other_keys():
    from django.http import JsonResponse
    from django.test import RequestFactory

    from lantern.core.api_errors import ApiErrorShapeMiddleware

    inner = JsonResponse({"detail": "Confirm it is you first.", "reauth": "/r/"}, status=403)
    middleware = ApiErrorShapeMiddleware(lambda request: inner)
    response = middleware(RequestFactory().post("/api/v1/consents/x/revoke"))
    assert json.loads(response.content) == {
        "detail": [{"loc": ["request"], "msg": "Confirm it is you first."}],
        "reauth": "/r/",
    }
