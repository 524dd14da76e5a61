"""The survivor's "Ask an advocate to help me with this one" (no login).

Same rules as the find-help pages (`lantern.findhelp.survivor`): the answers travel only in
the body of POST requests, as hidden fields (never in the URL, a cookie or the session);
nothing here logs them; every page is `no-store` with no referrer (middleware) and carries
the quick exit (base template). Anonymous pages are rate limited by the middleware
("anonymous_pages").

Unlike a search, sending the request writes a row and tells staff. It is still exempt
from Django's CSRF check (that token needs a cookie on the survivor's phone, which we
avoid); instead a public form's defences bound abuse:
- a signed, timestamped form token, issued with every rendering of the form and good for
  one request within two hours (`form_token.py`): a post that did not come from a form
  this site rendered recently, or a replay of one that did, writes nothing;
- a honeypot field people never see: a post that fills it writes nothing;
- the request's own rate limit ("help_request"), keyed on a hash of the address.
"""

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from lantern.core.ratelimit import limited, too_many
from lantern.directory.selectors import listed_service
from lantern.findhelp.ask_forms import HONEYPOT, HelpAskForm
from lantern.findhelp.form_token import FIELD as TOKEN_FIELD
from lantern.findhelp.form_token import form_token_issue, form_token_redeem
from lantern.findhelp.forms import MORE, STEPS, NeedsForm
from lantern.findhelp.selectors import help_requests_open
from lantern.findhelp.services import (
    HELP_REQUEST_KEEP_DAYS,
    Contact,
    HelpRequestsClosed,
    help_request_create,
)
from lantern.matching.needs import needs_to_stored

logger = logging.getLogger("lantern.findhelp")


def _use_language(request: HttpRequest) -> None:
    """The language picked on the find-help pages travels as the hidden field `lang`."""
    wanted = request.POST.get("lang")
    if wanted and wanted in dict(settings.LANGUAGES):
        translation.activate(wanted)
        request.LANGUAGE_CODE = wanted


def _answers(data: Any) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """The find-help answers that are valid, as hidden-field pairs and as the request's
    stored needs (`matching.needs`, the vocabulary referrals use too)."""
    form = NeedsForm(data)
    form.is_valid()  # invalid answers are left out of cleaned_data, hence of the needs
    postcode = form.cleaned_data.get("postcode") if "postcode" not in form.errors else ""
    return form.state(), needs_to_stored(form.needs(), postcode=postcode or "")


@csrf_exempt  # no cookie on a survivor's phone; see the module docstring
@require_POST
def ask_page(request: HttpRequest) -> HttpResponse:
    _use_language(request)
    data = request.POST
    step = data.get("step") if data.get("step") in STEPS else MORE
    service_id = data.get("ask_service") or data.get("service") or ""
    service = listed_service(service_id)
    pairs, needs = _answers(data)
    context: dict[str, Any] = {
        "service": service,
        "state": pairs,
        "step": step,
        "keep_days": HELP_REQUEST_KEEP_DAYS,
        "hotline_phone": settings.LANTERN_HOTLINE_PHONE,
        "hotline_text": settings.LANTERN_HOTLINE_TEXT,
        "token_field": TOKEN_FIELD,
        "honeypot": HONEYPOT,
    }
    if not help_requests_open():
        return render(request, "findhelp/help_ask.html", {**context, "closed": True})
    form = HelpAskForm(data if data.get("send") else None)
    if form.is_bound and form.is_valid():
        if limited(request, "help_request"):
            return too_many(request)
        if data.get(HONEYPOT):
            # Filled by a machine: nothing is written; it is shown the form again.
            logger.info("help request refused: honeypot")
            return _form_page(request, context, HelpAskForm())
        if not form_token_redeem(data.get(TOKEN_FIELD)):
            logger.info("help request refused: form token missing, expired or used")
            form.add_error(
                None,
                _(
                    "This form was open too long, or it was already sent. "
                    "Check your answers and press “Send my request” again."
                ),
            )
            return _form_page(request, context, form)
        answers = form.cleaned_data
        try:
            help_request = help_request_create(
                service_id=service.pk,
                needs=needs,
                contact=Contact(
                    method=answers["how"], details=answers["details"], time=answers["time"]
                ),
                name=answers["name"],
                consented=bool(answers.get("agree")),
            )
        except HelpRequestsClosed:
            return render(request, "findhelp/help_ask.html", {**context, "closed": True})
        # The id only: never the answers.
        logger.info("help request %s sent", help_request.pk)
        return render(
            request,
            "findhelp/help_ask_done.html",
            {**context, "code": help_request.code, "how": help_request.contact_method},
        )
    return _form_page(request, context, form)


def _form_page(request: HttpRequest, context: dict[str, Any], form: HelpAskForm) -> HttpResponse:
    """The form, with what needs fixing, and a fresh form token."""
    errors = [
        {"label": form[name].label, "message": messages[0], "id": form[name].auto_id}
        for name, messages in form.errors.items()
        if name in form.fields
    ]
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs.update(
                {"aria-invalid": "true", "aria-describedby": f"{name}-error"}
            )
    return render(
        request,
        "findhelp/help_ask.html",
        {
            **context,
            "form": form,
            "errors": errors,
            "form_errors": form.non_field_errors(),
            "form_token": form_token_issue(),
        },
    )
