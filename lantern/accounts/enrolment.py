"""Setting up an authenticator app (TOTP), for a first log-in and for an invitation.

Each attempt gets a fresh secret that lives only in that browser session until a code from
it is entered; nothing is stored on a GET. Confirming one secret deletes every other
unconfirmed device of the user, so a secret someone else saw (say, after a password-only
log-in) never becomes a working second factor.
"""

import time
from base64 import b32encode
from io import BytesIO
from typing import Any
from urllib.parse import quote, urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from lantern.accounts.models import User
from lantern.audit.services import audit_record

SESSION_KEY = "totp_enrolment"
_STEP, _DIGITS, _TOLERANCE = 30, 6, 1


def pending_key(session: Any, *, purpose: str) -> str:
    """This session's secret for `purpose` (a user id or an invitation id), made on first
    use. A new session, or another purpose, gets another secret."""
    pending = session.get(SESSION_KEY)
    if not isinstance(pending, dict) or pending.get("purpose") != purpose:
        pending = {"purpose": purpose, "key": random_hex(20)}
        session[SESSION_KEY] = pending
    return str(pending["key"])


def forget_key(session: Any) -> None:
    session.pop(SESSION_KEY, None)


def secret_text(key_hex: str) -> str:
    """The secret as an authenticator app wants it typed (base32)."""
    return b32encode(bytes.fromhex(key_hex)).decode()


def qr_svg(key_hex: str, *, account: str) -> str:
    issuer = getattr(settings, "OTP_TOTP_ISSUER", "Lantern") or "Lantern"
    label = quote(f"{issuer}:{account}")
    query = urlencode({"secret": secret_text(key_hex), "issuer": issuer, "digits": _DIGITS})
    image = qrcode.make(
        f"otpauth://totp/{label}?{query}", image_factory=qrcode.image.svg.SvgPathImage
    )
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def _check(key_hex: str, token: str) -> int | None:
    """The time step the code matched, or None."""
    try:
        code = int(token)
    except ValueError:
        return None
    totp = TOTP(bytes.fromhex(key_hex), _STEP, 0, _DIGITS, 0)
    totp.time = time.time()
    return totp.t() if totp.verify(code, _TOLERANCE) else None


@transaction.atomic
def totp_enrol_confirm(*, user: User, key_hex: str, token: str) -> TOTPDevice | None:
    """Confirm the session's secret with a code from it: the user's one new device.

    Every unconfirmed device of the user goes (older attempts, other sessions' secrets).
    None when the code does not match; nothing changes then.
    """
    matched_step = _check(key_hex, token)
    if matched_step is None:
        return None
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(
        user=user, name="authenticator", key=key_hex, confirmed=True, last_t=matched_step
    )
    audit_record(actor=user, action="2fa.enrol", object_type="user", object_id=user.pk)
    return device


@transaction.atomic
def totp_demo_device(*, user: User) -> TOTPDevice:
    """The authenticator of a synthetic demo account (`lantern demo seed`, never in
    production): one confirmed device whose setup key `lantern demo logins` prints, so a
    newcomer can add it to an authenticator app or type the code it shows. Kept when it
    exists (a reseed does not change a key someone has already added)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name="demo authenticator", key=random_hex(20), confirmed=True
        )
        audit_record(
            actor=None,
            action="2fa.enrol",
            object_type="user",
            object_id=user.pk,
            detail={"demo": True},
            actor_label="lantern demo seed",
        )
    return device


def code_now(key_hex: str) -> str:
    """The code an authenticator shows for this key right now."""
    totp = TOTP(bytes.fromhex(key_hex), _STEP, 0, _DIGITS, 0)
    totp.time = time.time()
    return f"{totp.token():0{_DIGITS}d}"
