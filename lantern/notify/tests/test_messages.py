"""The message catalogue: every kind renders, in any language, without anything revealing."""

import re

import pytest
from django.utils import translation

from lantern.notify.messages import KINDS, absolute_url, check_link_path, render_message

LINK_PATH = "/referrals/inbox/6f1c2d8e-0000-4000-8000-000000000001/"
# Words that would tell someone reading a phone or a mailbox what this is about.
REVEALING = (
    "shelter",
    "traffick",
    "bed",
    "refuge",
    "safe house",
    "victim",
    "survivor",
    "abuse",
    "emergency",
    "housing",
    "legal",
    "medical",
    "referral",
)
# What a careless message could leak: names, addresses, the service and its organization.
PERSONAL = ("Rosa Fictional", "rosa@example.test", "+13125550142", "Fictional Shelter B")
URL = re.compile(r"https?://\S+")

EXPECTED_KINDS = {
    "referral_new",
    "referral_updated",
    "referral_reminder",
    "referral_escalation",
    "hold_expiring",
    "case_edited",
    "case_assigned",
    "case_task_due",
    "case_approval_pending",
    "case_approval_decided",
    "case_shared",
}


def test_the_catalogue_is_the_agreed_one():
    assert set(KINDS) == EXPECTED_KINDS


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", sorted(EXPECTED_KINDS))
def test_every_kind_renders_neutrally_with_an_absolute_link(kind, language, settings):
    settings.SITE_URL = "https://lantern.example.test"
    with translation.override(language):
        message = render_message(kind, LINK_PATH)
    expected_url = "https://lantern.example.test" + LINK_PATH
    for text in (message.subject, message.email_body, message.sms_body):
        assert text.strip()
        # The path is the caller's; the words around it are what this catalogue controls.
        lowered = URL.sub("", text).lower()
        for word in (*REVEALING, *(p.lower() for p in PERSONAL)):
            assert word not in lowered, (kind, word)
        assert "%(" not in text and "{{" not in text and "{%" not in text
    # One link, absolute, to this site, in both bodies; none in the subject.
    assert URL.findall(message.email_body) == [expected_url]
    assert URL.findall(message.sms_body) == [expected_url]
    assert URL.findall(message.subject) == []
    assert "\n" not in message.subject


def test_sms_bodies_are_short(settings):
    settings.SITE_URL = "https://lantern.example.test"
    for kind in KINDS:
        body = render_message(kind, LINK_PATH).sms_body
        # Two SMS segments at most (the link is about 80 characters).
        assert len(body) <= 2 * 153, kind


def test_subjects_are_the_agreed_words():
    with translation.override("en"):
        assert render_message("referral_new", "/").subject == "You have a new request in Lantern"
        assert render_message("referral_updated", "/").subject == "A request you sent has an update"
        assert (
            render_message("referral_escalation", "/").subject
            == "A request has waited without an answer"
        )


def test_messages_are_rendered_in_the_active_language(monkeypatch):
    # The locale files are translated later; prove the lazy strings are looked up at render
    # time in the active language rather than fixed when the module was imported.
    # Every gettext, lazy or in a template, goes through translation._trans.
    seen: list[tuple[str, str | None]] = []
    real_gettext = translation.trans_real.gettext

    def recording_gettext(message):
        seen.append((message, translation.get_language()))
        return real_gettext(message)

    monkeypatch.setattr(translation._trans, "gettext", recording_gettext, raising=False)
    with translation.override("es"):
        render_message("referral_new", LINK_PATH)
    looked_up = {message for message, _ in seen}
    assert "You have a new request in Lantern" in looked_up
    assert "Lantern: you have a new request. %(url)s" in looked_up
    assert "Hello," in looked_up  # the email template's {% translate %}
    assert {language for _, language in seen} == {"es"}


def test_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="unknown notification kind"):
        render_message("referral_something", LINK_PATH)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "referrals/inbox/1/",
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example/",
        "/referrals/?name=Rosa",
        "/referrals/#x",
        "/referrals/ 1/",
        "/referrals/\n1/",
        "/" + "a" * 600,
    ],
)
def test_links_are_plain_paths_on_this_site(bad):
    with pytest.raises(ValueError):
        check_link_path(bad)


def test_absolute_url_joins_site_url_and_path(settings):
    settings.SITE_URL = "https://lantern.example.test"
    assert absolute_url("/a/b/") == "https://lantern.example.test/a/b/"
