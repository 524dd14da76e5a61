"""Staff-facing names for the codes matching uses, in the active language.

The survivor pages word help types for the person ("A safe place to stay tonight"); staff
pages (advocate search, hold and refer, metrics) use these shorter professional names.
"""

from django.utils.functional import Promise
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from lantern.matching import engine

HELP_TYPE_LABELS: dict[str, Promise] = {
    "emergency-shelter": _("Emergency shelter"),
    "residential-program": _("Residential program"),
    "legal": _("Legal help"),
    "immigration-legal": _("Immigration legal help"),
    "medical": _("Medical care"),
    "mental-health": _("Mental health"),
    "case-management": _("Case management"),
    "substance-use": _("Substance use treatment"),
    "employment-education": _("Jobs and education"),
    "basic-needs": _("Basic needs"),
    "hotline": _("Hotline"),
}
GENDER_LABELS: dict[str, Promise] = {
    "woman": _("Woman"),
    "man": _("Man"),
    "transgender_woman": _("Transgender woman"),
    "transgender_man": _("Transgender man"),
    "nonbinary": _("Nonbinary"),
}
TRAFFICKING_LABELS: dict[str, Promise] = {
    "sex": _("Sex trafficking"),
    "labor": _("Labor trafficking"),
}
# The engine marks these with gettext_noop; translated here, where they are shown.
PREFERENCE_LABELS: dict[str, Promise] = {
    code: _(text) for code, text in engine.PREFERENCE_TAGS.items()
}
# Languages are chosen by name, never typed as codes. Engine order (English, Spanish, then
# the languages most spoken at home in the US after them).
LANGUAGE_LABELS: dict[str, Promise] = {
    code: _(text) for code, text in engine.LANGUAGE_NAMES.items()
}


def language_name(code: str) -> str:
    """A language's name in the active language: ours, else Django's list of the languages
    it knows (a code sent through the API), else the code itself as a last resort."""
    if code in LANGUAGE_LABELS:
        return str(LANGUAGE_LABELS[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


assert set(HELP_TYPE_LABELS) == set(engine.HELP_TYPES)  # noqa: S101 - a code without a name
assert set(GENDER_LABELS) == set(engine.GENDERS)  # noqa: S101
assert set(TRAFFICKING_LABELS) == set(engine.TRAFFICKING_TYPES)  # noqa: S101
