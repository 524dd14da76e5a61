"""The fixed catalogue of notification messages.

Every message is neutral on purpose: a phone or a mailbox may be read by a trafficker or
an abuser, so no message names a person, an organization, a service or a service type, or
says anything about the situation. It says that there is something to look at in Lantern
and gives one link; the details are behind a log-in with two factors.

Strings are lazy so that they are translated when rendered, in the recipient's language
(the delivery task renders inside `translation.override`).
"""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lantern.core.site import site_url

EMAIL_TEMPLATE = "notify/email.txt"


@dataclass(frozen=True)
class MessageKind:
    code: str
    subject: Promise
    # The email's one-line lead; the template adds the greeting, the link and the footer.
    email_lead: Promise
    # Contains %(url)s exactly once.
    sms: Promise


KINDS: dict[str, MessageKind] = {
    kind.code: kind
    for kind in (
        MessageKind(
            code="referral_new",
            subject=_("You have a new request in Lantern"),
            email_lead=_("You have a new request in Lantern. Log in to see it:"),
            sms=_("Lantern: you have a new request. %(url)s"),
        ),
        MessageKind(
            code="referral_updated",
            subject=_("A request you sent has an update"),
            email_lead=_("A request you sent in Lantern has an update. Log in to see it:"),
            sms=_("Lantern: a request you sent has an update. %(url)s"),
        ),
        MessageKind(
            code="referral_reminder",
            subject=_("A request is waiting for you in Lantern"),
            email_lead=_("A request in Lantern has not been opened yet. Log in to see it:"),
            sms=_("Lantern: a request is waiting for you. %(url)s"),
        ),
        MessageKind(
            code="referral_escalation",
            subject=_("A request has waited without an answer"),
            email_lead=_("A request in Lantern has waited without an answer. Log in to see it:"),
            sms=_("Lantern: a request has waited without an answer. %(url)s"),
        ),
        MessageKind(
            code="hold_expiring",
            subject=_("A request in Lantern needs an answer soon"),
            email_lead=_("A request in Lantern needs an answer soon. Log in to see it:"),
            sms=_("Lantern: a request needs an answer soon. %(url)s"),
        ),
        MessageKind(
            code="case_edited",
            subject=_("A record you keep was changed"),
            email_lead=_("Someone else changed a record you keep in Lantern. Log in to see it:"),
            sms=_("Lantern: a record you keep was changed. %(url)s"),
        ),
        MessageKind(
            code="case_assigned",
            subject=_("A record was given to you in Lantern"),
            email_lead=_("A record in Lantern was given to you. Log in to see it:"),
            sms=_("Lantern: a record was given to you. %(url)s"),
        ),
        MessageKind(
            code="case_task_due",
            subject=_("A task is due in Lantern"),
            email_lead=_("A task of yours in Lantern is due. Log in to see it:"),
            sms=_("Lantern: a task of yours is due. %(url)s"),
        ),
        MessageKind(
            code="case_approval_pending",
            subject=_("Something waits for your approval in Lantern"),
            email_lead=_("Something in Lantern waits for your approval. Log in to see it:"),
            sms=_("Lantern: something waits for your approval. %(url)s"),
        ),
        MessageKind(
            code="case_approval_decided",
            subject=_("A supervisor answered in Lantern"),
            email_lead=_("A supervisor answered something you sent in Lantern. Log in to see it:"),
            sms=_("Lantern: a supervisor answered. %(url)s"),
        ),
        MessageKind(
            code="case_shared",
            subject=_("A record was shared with your organization"),
            email_lead=_(
                "A record was shared with your organization in Lantern. Log in to see it:"
            ),
            sms=_("Lantern: a record was shared with your organization. %(url)s"),
        ),
    )
}

KIND_CHOICES = [(code, code) for code in KINDS]


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    email_body: str
    sms_body: str


def message_kind(kind: str) -> MessageKind:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown notification kind: {kind!r}") from None


def check_link_path(link_path: str) -> str:
    """A path on this site ("/referrals/inbox/<id>/"), never a URL of its own.

    Only a site-relative path is accepted, so a message can never point anywhere but
    SITE_URL, and nothing but a path (no query string) can ride along into the message.
    """
    if (
        not isinstance(link_path, str)
        or not link_path.startswith("/")
        or link_path.startswith("//")
        or "\\" in link_path
        or "?" in link_path
        or "#" in link_path
        or any(ch.isspace() or not ch.isprintable() for ch in link_path)
        or len(link_path) > 500
    ):
        raise ValueError("link_path must be a plain path on this site, starting with one '/'")
    return link_path


def absolute_url(link_path: str) -> str:
    return f"{site_url()}{check_link_path(link_path)}"


def render_message(kind: str, link_path: str) -> RenderedMessage:
    """The subject and bodies of one message, in the active language."""
    spec = message_kind(kind)
    url = absolute_url(link_path)
    return RenderedMessage(
        subject=str(spec.subject),
        email_body=render_to_string(EMAIL_TEMPLATE, {"lead": spec.email_lead, "url": url}),
        sms_body=str(spec.sms) % {"url": url},
    )
