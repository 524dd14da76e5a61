"""Logs never contain personal data, tokens, client addresses or request bodies."""

import json
import logging

import pytest

from lantern.testing import PASSWORD

pytestmark = pytest.mark.django_db

CLIENT_IP = "198.51.100.23"


@pytest.fixture
def all_logs():
    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    # Loggers that do not propagate get the handler directly.
    extra = [logging.getLogger(n) for n in ("django.request", "django.server", "lantern")]
    for logger in extra:
        logger.addHandler(handler)
    yield records
    root.removeHandler(handler)
    root.setLevel(old_level)
    for logger in extra:
        logger.removeHandler(handler)


def test_requests_leave_no_personal_data_in_logs(world, client, all_logs):
    provider = world["provider_b"]
    capacity = world.b_public.service.capacities.get()
    # An API write with a token, a 404, a 422 and a failed login from a survivor-like address.
    client.patch(
        f"/api/v1/service_capacities/{capacity.pk}",
        data=json.dumps({"available": 2}),
        content_type="application/json",
        REMOTE_ADDR=CLIENT_IP,
        **provider.api_headers(),
    )
    client.get("/api/v1/services/00000000-0000-4000-8000-000000000000", REMOTE_ADDR=CLIENT_IP)
    client.get("/api/v1/service_at_locations?latitude=500", REMOTE_ADDR=CLIENT_IP)
    client.post(
        "/accounts/login/",
        {"username": provider.user.email, "password": PASSWORD + "x"},
        REMOTE_ADDR=CLIENT_IP,
    )
    client.get("/no-such-page/someone@example.test/", REMOTE_ADDR=CLIENT_IP)

    text = "\n".join(all_logs)
    for secret in (
        provider.token,
        provider.user.email,
        CLIENT_IP,
        PASSWORD,
        "someone@example.test",
        '"available": 2',
    ):
        assert secret not in text, f"{secret!r} appeared in logs"
