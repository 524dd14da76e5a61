"""Rate limits: whose bucket a request counts against, and what the cache may hold."""

import pytest
from django.core.cache import cache

from lantern.core import ratelimit

pytestmark = pytest.mark.django_db

TOKEN_USER = "lantern.accounts.selectors.user_from_token"


def test_junk_bearer_headers_on_a_page_share_the_address_bucket(client, rate_limits, settings):
    """Each made-up `Authorization` value used to get a fresh bucket of its own."""
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "anonymous_pages": "3/m", "token": "600/m"}
    statuses = [
        client.get("/help/safety/", HTTP_AUTHORIZATION=f"Bearer junk-{n}").status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]


def test_junk_bearer_headers_on_the_api_share_the_address_bucket(client, rate_limits, settings):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "token": "3/m", "anonymous_api": "600/m"}
    settings.LANTERN_TOKEN_USER = TOKEN_USER
    statuses = [
        client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer junk-{n}").status_code
        for n in range(5)
    ]
    assert statuses == [401, 401, 401, 429, 429]


def test_a_checked_token_counts_against_its_user(world, client, rate_limits, settings):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "token": "2/m"}
    settings.LANTERN_TOKEN_USER = TOKEN_USER
    first, second = world["provider_b"].api_headers(), world["advocate_a"].api_headers()
    assert [client.get("/api/v1/me", **first).status_code for _ in range(3)] == [200, 200, 429]
    # Another user from the same address has a bucket of their own.
    assert client.get("/api/v1/me", **second).status_code == 200


def test_without_a_token_checker_tokens_count_against_the_address(
    world, client, rate_limits, settings
):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "token": "2/m"}
    settings.LANTERN_TOKEN_USER = ""
    first, second = world["provider_b"].api_headers(), world["advocate_a"].api_headers()
    statuses = [client.get("/api/v1/me", **h).status_code for h in (first, second, first)]
    assert statuses == [200, 200, 429]


def test_the_address_key_is_a_keyed_hash_that_changes_every_day(rf, settings):
    request = rf.get("/", REMOTE_ADDR="203.0.113.7")
    key = ratelimit.client_key(request)
    assert "203.0.113.7" not in key
    day = ratelimit.KEY_ROTATION_SECONDS
    assert ratelimit._digest("ip:203.0.113.7", now=10) == ratelimit._digest(
        "ip:203.0.113.7", now=day - 1
    )
    assert ratelimit._digest("ip:203.0.113.7", now=10) != ratelimit._digest(
        "ip:203.0.113.7", now=day + 10
    )
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert ratelimit.client_key(request) != key


def test_the_cache_never_holds_the_address(client, rate_limits):
    cache.clear()
    client.get("/help/safety/", REMOTE_ADDR="203.0.113.9")
    stored = repr(dict(cache._cache))  # the test cache is local memory
    assert cache._cache and "203.0.113.9" not in stored
