"""The SMS channel: the HTTP provider adapter against a real local HTTP server, and the
development backends that `send_sms` callers (capacity reminders) rely on."""

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from lantern.notify.sms import (
    HttpSmsBackend,
    MemorySmsBackend,
    SmsDeliveryError,
    SmsMessage,
    mask_number,
    send_sms,
)

NUMBER = "+13125550142"
TOKEN = "test-token-0123456789"
BODY = "Lantern: you have a new request. https://lantern.example.test/r/1/"


@dataclass
class Provider:
    url: str
    requests: list[dict] = field(default_factory=list)
    status: int = 202
    delay: float = 0.0
    location: str | None = None


@pytest.fixture
def provider(monkeypatch) -> Iterator[Provider]:
    """A fake SMS provider: a real HTTP server on a free local port."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    state = Provider(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            state.requests.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers),
                    "body": self.rfile.read(length),
                }
            )
            if state.delay:
                time.sleep(state.delay)
            self.send_response(state.status)
            if state.location:
                self.send_header("Location", state.location)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"id": "msg-1"}')

        do_GET = do_POST

        def log_message(self, format, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/v1/messages"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_backend(settings, provider):
    settings.LANTERN_SMS_BACKEND = "lantern.notify.sms.HttpSmsBackend"
    settings.LANTERN_SMS_HTTP_URL = provider.url
    settings.LANTERN_SMS_HTTP_TOKEN = TOKEN
    settings.LANTERN_SMS_FROM = "+13125550100"
    return provider


def test_it_posts_json_with_a_bearer_token(http_backend):
    send_sms(NUMBER, BODY)

    assert len(http_backend.requests) == 1
    request = http_backend.requests[0]
    assert request["path"] == "/v1/messages"
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(request["body"]) == {"to": NUMBER, "from": "+13125550100", "body": BODY}


def test_non_ascii_bodies_arrive_intact(http_backend):
    send_sms(NUMBER, "Lantern: tiene una solicitud nueva. ¿Ver? https://x.test/r/1/")
    body = json.loads(http_backend.requests[0]["body"])["body"]
    assert body == "Lantern: tiene una solicitud nueva. ¿Ver? https://x.test/r/1/"


@pytest.mark.parametrize("status", [400, 401, 500, 503])
def test_an_error_answer_raises_without_quoting_the_message(http_backend, status):
    http_backend.status = status
    with pytest.raises(SmsDeliveryError, match=f"HTTP {status}") as excinfo:
        send_sms(NUMBER, BODY)
    assert NUMBER not in str(excinfo.value) and BODY not in str(excinfo.value)
    assert excinfo.value.__cause__ is None and excinfo.value.__suppress_context__


def test_redirects_are_not_followed_with_the_token(http_backend):
    http_backend.status = 302
    http_backend.location = http_backend.url.replace("/v1/messages", "/elsewhere")
    with pytest.raises(SmsDeliveryError, match="HTTP 302"):
        send_sms(NUMBER, BODY)
    assert [r["path"] for r in http_backend.requests] == ["/v1/messages"]


def test_a_slow_provider_times_out(http_backend, monkeypatch):
    monkeypatch.setattr(HttpSmsBackend, "timeout_seconds", 0.2)
    http_backend.delay = 1.0
    with pytest.raises(SmsDeliveryError, match="unreachable"):
        send_sms(NUMBER, BODY)


def test_an_unreachable_provider_raises_a_delivery_error(settings, http_backend):
    settings.LANTERN_SMS_HTTP_URL = "http://127.0.0.1:9/v1/messages"  # discard port: closed
    with pytest.raises(SmsDeliveryError, match="unreachable"):
        send_sms(NUMBER, BODY)


@pytest.mark.parametrize(
    ("url", "token"),
    [("", TOKEN), ("https://sms.example.test/", ""), ("file:///etc/passwd", TOKEN)],
)
def test_it_refuses_to_send_without_a_usable_configuration(settings, url, token):
    settings.LANTERN_SMS_HTTP_URL = url
    settings.LANTERN_SMS_HTTP_TOKEN = token
    with pytest.raises(ImproperlyConfigured):
        HttpSmsBackend().send(SmsMessage(to=NUMBER, body=BODY))


def test_send_sms_still_uses_the_configured_development_backend(settings, tmp_path):
    send_sms(NUMBER, "one")
    assert MemorySmsBackend.outbox == [SmsMessage(to=NUMBER, body="one")]

    settings.LANTERN_SMS_BACKEND = "lantern.notify.sms.FileSmsBackend"
    settings.LANTERN_SMS_FILE_PATH = str(tmp_path / "sms.log")
    send_sms(NUMBER, "two")
    text = (tmp_path / "sms.log").read_text()
    line = json.loads(text.splitlines()[0])
    assert (line["to"], line["body"]) == (mask_number(NUMBER), "two")
    assert NUMBER not in text and line["to"].endswith(NUMBER[-2:])


def test_the_console_backend_masks_the_number(settings, capsys):
    settings.LANTERN_SMS_BACKEND = "lantern.notify.sms.ConsoleSmsBackend"
    send_sms(NUMBER, "three")
    out = capsys.readouterr().out
    assert "three" in out and NUMBER not in out


def test_mask_number_keeps_only_the_last_two_digits():
    assert mask_number("+1 312-555-0142") == "+* ***-***-**42"
    assert mask_number("42") == "42"
