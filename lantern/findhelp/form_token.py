"""The anonymous "ask an advocate" form's token: signed, timestamped, used once.

The form is public and needs no cookie (a survivor's phone may refuse them), so Django's
CSRF token cannot be used. Instead every rendering of the form carries a token of its
own: a random nonce signed with SECRET_KEY and the time it was issued. A request is
written only with a token that is genuine, younger than MAX_AGE and not used before. The
"used" mark is a hash of the nonce in the cache, kept as long as the token could still
be valid: nothing about the person, the address or the answers is stored.
"""

import hashlib
import secrets
from datetime import timedelta

from django.core import signing
from django.core.cache import cache

SALT = "lantern.findhelp.ask-form"
MAX_AGE = timedelta(hours=2)
FIELD = "form_token"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def form_token_issue() -> str:
    return _signer().sign(secrets.token_urlsafe(16))


def form_token_redeem(token: str | None) -> bool:
    """True once for a genuine, unexpired token; False for anything else (forged, expired,
    or used before)."""
    if not token:
        return False
    try:
        nonce = _signer().unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return False
    used = "lantern.findhelp.ask-token." + hashlib.sha256(nonce.encode()).hexdigest()
    # `add` is atomic: of two posts with the same token, exactly one gets True.
    return bool(cache.add(used, 1, timeout=int(MAX_AGE.total_seconds()) + 60))
