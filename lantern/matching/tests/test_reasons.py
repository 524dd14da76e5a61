"""Why a service is in the results, and those reasons in words."""

import pytest

from lantern.matching.engine import (
    HELP_TYPES,
    LANGUAGE_NAMES,
    Needs,
    Reason,
)
from lantern.matching.reasons import reason_text
from lantern.matching.tests.examples import (
    cap,
    located,
    north,
    run,
    svc,
)

# --- Reasons -------------------------------------------------------------------------------


def test_every_match_says_why_in_order():
    needs = located(
        help_types=frozenset({"emergency-shelter", "legal"}),
        age=19,
        gender="woman",
        children=1,
        pets=True,
        trafficking_types=frozenset({"labor", "sex"}),
        needs_wheelchair_access=True,
        active_substance_use=True,
        has_id_documents=False,
        languages=("es", "en"),
        preferences=frozenset({"survivor_led"}),
    )
    candidate = svc(
        service_types=frozenset({"emergency-shelter", "legal", "medical"}),
        minimum_age=18,
        genders_served=frozenset({"woman", "nonbinary"}),
        accepts_children=True,
        accepts_pets=True,
        trafficking_types_served=frozenset({"labor"}),
        wheelchair_accessible=True,
        accepts_active_substance_use=True,
        requires_id_documents=False,
        languages=frozenset({"en", "es"}),
        tags=frozenset({"survivor_led"}),
        capacities=(cap(2, 40),),
        points=(north(5),),
    )
    reasons = run(needs, candidate).matches[0].reasons
    assert [reason_text(r) for r in reasons] == [
        "2 beds open, updated 40 minutes ago",
        "About 5 km away",
        "Speaks Spanish",
        "Speaks English",
        "Serves women",
        "Serves ages 18 and up",
        "Accepts children",
        "Accepts pets",
        "Helps people trafficked for work",
        "Wheelchair accessible",
        "Accepts people who use drugs or alcohol",
        "No ID needed",
        "Offers a safe place to stay tonight",
        "Offers legal help",
        "Led by survivors",
    ]
    assert reasons[0] == Reason("open", {"available": 2, "unit": "bed", "minutes": 40})


@pytest.mark.parametrize(
    ("capacity", "text"),
    [
        (cap(2, 40), "2 beds open, updated 40 minutes ago"),
        (cap(2, 190), "2 beds open, updated 3 hours ago. Call to check."),
        (cap(0, 190), "Full, updated 3 hours ago"),
        (cap(2, 2 * 24 * 60 + 5), "Open places not known, last update 2 days ago. Call first."),
    ],
)
def test_the_first_reason_tells_how_open_and_how_fresh(capacity, text):
    reasons = run(Needs(), svc(capacities=(capacity,))).matches[0].reasons
    assert reason_text(reasons[0]) == text


def test_facts_unrelated_to_a_stated_need_are_not_reasons():
    candidate = svc(accepts_children=True, accepts_pets=True, wheelchair_accessible=True)
    assert [r.code for r in run(Needs(), candidate).matches[0].reasons] == ["unknown_availability"]


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (
            Reason("open", {"available": 1, "unit": "bed", "minutes": 1}),
            "1 bed open, updated 1 minute ago",
        ),
        (
            Reason("open", {"available": 3, "unit": "line", "minutes": 0}),
            "3 phone lines open, updated just now",
        ),
        (
            Reason("aging", {"available": 2, "unit": "appointment", "minutes": 200}),
            "2 appointments open, updated 3 hours ago. Call to check.",
        ),
        (
            Reason("open", {"available": 2, "unit": "kayak", "minutes": 5}),
            "2 open (kayak), updated 5 minutes ago",
        ),
        (
            Reason("full", {"unit": "bed", "minutes": 60, "freshness": "fresh"}),
            "Full, updated 1 hour ago",
        ),
        (
            Reason("unknown_availability", {"minutes": None}),
            "No count of open places yet. Call first.",
        ),
        (
            Reason("unknown_availability", {"minutes": 3 * 24 * 60}),
            "Open places not known, last update 3 days ago. Call first.",
        ),
        (Reason("distance", {"km": 0.4, "confidential": False}), "Less than 1 km away"),
        (Reason("distance", {"km": 3.2, "confidential": False}), "About 3.2 km away"),
        (Reason("distance", {"km": 5.0, "confidential": False}), "About 5 km away"),
        (Reason("distance", {"km": 42.6, "confidential": False}), "About 43 km away"),
        (
            Reason("distance", {"km": 5.0, "confidential": True}),
            "About 5 km away. The address is kept private.",
        ),
        (
            Reason("distance_away", {"km": 120.4, "confidential": False, "away_from_km": 100}),
            "About 120 km away, more than the 100 km you asked for",
        ),
        (Reason("virtual"), "Online or by phone"),
        (Reason("speaks", {"language": "ht"}), "Speaks Haitian Creole"),
        (Reason("speaks", {"language": "xx"}), "Speaks xx"),
        (
            Reason("serves_age", {"age": 20, "minimum_age": 18, "maximum_age": 24}),
            "Serves ages 18 to 24",
        ),
        (
            Reason("serves_age", {"age": 9, "minimum_age": None, "maximum_age": 17}),
            "Serves ages 17 and under",
        ),
        (Reason("serves_gender", {"gender": "transgender_man"}), "Serves transgender men"),
        (Reason("serves_trafficking_type", {"type": "sex"}), "Helps people trafficked for sex"),
        (Reason("help_type", {"code": "hotline"}), "Someone to talk to by phone or text"),
        (Reason("help_type", {"code": "new-kind"}), "Offers new-kind"),
        (Reason("preference", {"tag": "not_faith_based"}), "Not run by a faith group"),
        (Reason("something-new"), "something-new"),
    ],
)
def test_reason_text_in_plain_english(reason, text):
    assert reason_text(reason) == text


def test_every_string_goes_through_the_translation_functions():
    def gettext(message: str) -> str:
        return f"<{message}>"

    def ngettext(singular: str, plural: str, n: int) -> str:
        return f"<{singular if n == 1 else plural}>"

    reason = Reason("open", {"available": 2, "unit": "bed", "minutes": 40})
    assert reason_text(reason, gettext=gettext, ngettext=ngettext) == (
        "<<2 beds open>, updated <40 minutes ago>>"
    )
    speaks = reason_text(Reason("speaks", {"language": "es"}), gettext=gettext)
    assert speaks == "<Speaks <Spanish>>"
    private = Reason("distance", {"km": 5.0, "confidential": True})
    assert (
        reason_text(private, gettext=gettext) == "<About 5 km away>. <The address is kept private.>"
    )


def test_every_demo_unit_help_type_and_language_has_words():
    for unit in ("bed", "line", "appointment", "consultation", "caseload place", "place"):
        text = reason_text(Reason("open", {"available": 2, "unit": unit, "minutes": 3}))
        assert "(" not in text, unit
    for code in HELP_TYPES:
        assert reason_text(Reason("help_type", {"code": code})) != f"Offers {code}"
    assert set(LANGUAGE_NAMES) == {"en", "es", "zh", "vi", "tl", "ar", "fr", "ko", "ru", "ht", "pt"}
