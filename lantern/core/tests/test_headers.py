import re

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/", "/accounts/login/", "/api/v1/", "/api/v1/services"]


@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    if response["Content-Type"].startswith("text/html"):
        assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9+/=_-]+'", csp)
    # No third-party origin anywhere in the policy.
    assert not re.search(r"https?://", csp)
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_without_login_are_not_cached(client, path):
    assert client.get(path)["Cache-Control"] == "no-store"


def test_nonce_changes_per_response(client):
    first = client.get("/")["Content-Security-Policy"]
    second = client.get("/")["Content-Security-Policy"]
    assert first != second


def test_templates_have_no_inline_script():
    from pathlib import Path

    import lantern

    root = Path(lantern.__file__).parent
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script\\b([^>]*)>(.*?)</script>", text, re.S):
            attrs, body = match.groups()
            if body.strip() or "src=" not in attrs:
                offenders.append(str(template))
        if re.search(r"\\son[a-z]+=\\\"", text):
            offenders.append(f"{template} (inline event handler)")
    assert offenders == []


def test_anonymous_api_is_rate_limited(client, rate_limits, settings):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "anonymous_api": "3/m"}
    statuses = [client.get("/api/v1/").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    limited = client.get("/api/v1/")
    assert limited.json() == {"detail": [{"loc": ["request"], "msg": "Too many requests"}]}
    assert limited["Retry-After"]


def test_anonymous_pages_are_rate_limited(client, rate_limits, settings):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "anonymous_pages": "2/m"}
    statuses = [client.get("/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_token_calls_have_their_own_limit(world, client, rate_limits, settings):
    settings.LANTERN_RATE_LIMITS = {**rate_limits, "token": "2/m", "anonymous_api": "100/m"}
    headers = world["provider_b"].api_headers()
    statuses = [client.get("/api/v1/me", **headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get("/api/v1/").status_code == 200
