"""The system check for the SMS backend's configuration."""

import pytest

from lantern.notify.checks import sms_backend_configured

HTTP = "lantern.notify.sms.HttpSmsBackend"


def _ids(settings):
    return [message.id for message in sms_backend_configured()]


@pytest.fixture
def http(settings):
    settings.LANTERN_SMS_BACKEND = HTTP
    settings.LANTERN_SMS_HTTP_URL = "https://sms.example.test/v1/messages"
    settings.LANTERN_SMS_HTTP_TOKEN = "token-0123456789"
    settings.LANTERN_SMS_FROM = "+13125550100"
    return settings


def test_a_fully_configured_http_backend_passes(http):
    assert _ids(http) == []


@pytest.mark.parametrize("missing", ["LANTERN_SMS_HTTP_URL", "LANTERN_SMS_HTTP_TOKEN"])
def test_the_http_backend_needs_a_url_and_a_token(http, missing):
    setattr(http, missing, "")
    assert _ids(http) == ["lantern.E102"]


def test_the_url_must_be_https_in_production(http):
    http.LANTERN_SMS_HTTP_URL = "http://sms.example.test/v1/messages"
    http.PRODUCTION = False
    assert _ids(http) == []
    http.PRODUCTION = True
    assert _ids(http) == ["lantern.E103"]


def test_the_url_must_be_http_at_all(http):
    http.LANTERN_SMS_HTTP_URL = "ftp://sms.example.test/"
    assert _ids(http) == ["lantern.E103"]


def test_a_missing_sender_is_a_warning(http):
    http.LANTERN_SMS_FROM = ""
    assert _ids(http) == ["lantern.W101"]


def test_other_backends_need_no_provider_settings(settings):
    settings.LANTERN_SMS_BACKEND = "lantern.notify.sms.ConsoleSmsBackend"
    settings.LANTERN_SMS_HTTP_URL = ""
    settings.LANTERN_SMS_HTTP_TOKEN = ""
    assert _ids(settings) == []


def test_a_backend_that_cannot_be_imported_is_an_error(settings):
    settings.LANTERN_SMS_BACKEND = "lantern.notify.sms.NoSuchBackend"
    assert _ids(settings) == ["lantern.E101"]


def test_the_check_is_registered(http):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    http.LANTERN_SMS_HTTP_TOKEN = ""
    with pytest.raises(SystemCheckError, match=r"lantern\.E102"):
        call_command("check")
