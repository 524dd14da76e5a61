"""The survivor flow's answers: one form for every step, every field optional.

The answers travel between steps as hidden fields of a POST form, never in the URL and
never in a cookie or the session, and are turned into an engine `Needs` here. Nothing in
this module stores or logs them.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lantern.core import postcodes
from lantern.matching import engine

# Steps of the flow, in order, and the fields each one asks for.
WHERE, WHAT, MORE = "where", "what", "more"
STEPS = (WHERE, WHAT, MORE)
LOCATION_FIELDS = ("postcode", "city", "latitude", "longitude")
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    WHERE: LOCATION_FIELDS,
    WHAT: ("help",),
    MORE: (
        "distance",
        "away",
        "age",
        "gender",
        "children",
        "pets",
        "trafficking",
        "wheelchair",
        "substance",
        "id_documents",
        "languages",
        "only_open",
    ),
}
# Questions answered by one choice; "" (prefer not to say) is checked until the person picks.
RADIO_FIELDS = (
    "distance",
    "away",
    "gender",
    "children",
    "pets",
    "trafficking",
    "wheelchair",
    "substance",
    "id_documents",
)

NOT_SAY = ("", _("Prefer not to say"))
YES_NO = [NOT_SAY, ("yes", _("Yes")), ("no", _("No"))]

HELP_CHOICES = [
    ("emergency-shelter", _("A safe place to stay tonight")),
    ("residential-program", _("A place to live for a while, with support")),
    ("hotline", _("Someone to talk to by phone or text")),
    ("mental-health", _("Counseling")),
    ("medical", _("A doctor or nurse")),
    ("legal", _("Help from a lawyer")),
    ("immigration-legal", _("Help with visas or immigration")),
    ("case-management", _("Help to plan next steps")),
    ("basic-needs", _("Food, clothes and other daily needs")),
    ("substance-use", _("Help with drugs or alcohol")),
    ("employment-education", _("Help with jobs or school")),
]
assert {code for code, _label in HELP_CHOICES} == set(engine.HELP_TYPES)  # noqa: S101

GENDER_CHOICES = [
    NOT_SAY,
    ("woman", _("Woman")),
    ("man", _("Man")),
    ("transgender_woman", _("Transgender woman")),
    ("transgender_man", _("Transgender man")),
    ("nonbinary", _("Nonbinary")),
]
TRAFFICKING_CHOICES = [
    NOT_SAY,
    ("sex", _("Someone made me sell sex or do sex acts")),
    ("labor", _("Someone made me work and took my pay or controlled me")),
    ("both", _("Both of these")),
]
CHILDREN_CHOICES = [
    NOT_SAY,
    ("0", _("No children")),
    ("1", "1"),
    ("2", "2"),
    ("3", "3"),
    ("4", _("4 or more")),
]
DISTANCE_CHOICES = [
    ("", _("Any distance")),
    ("10", _("Up to 10 km (6 miles)")),
    ("25", _("Up to 25 km (15 miles)")),
    ("50", _("Up to 50 km (30 miles)")),
    ("100", _("Up to 100 km (60 miles)")),
]
# "Far from here": services nearer than this are left out (virtual ones never are). Only
# asked once the person has said where they are; without a place it has no effect.
AWAY_CHOICES = [
    NOT_SAY,
    ("near", _("No, near here is fine")),
    ("50", _("Yes, at least 50 km (30 miles) away")),
    ("150", _("Yes, at least 150 km (90 miles) away")),
]
AWAY_KM = {"50": 50.0, "150": 150.0}
LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("zh", _("Chinese")),
    ("vi", _("Vietnamese")),
    ("tl", _("Tagalog")),
    ("ar", _("Arabic")),
    ("fr", _("French")),
    ("ko", _("Korean")),
    ("ru", _("Russian")),
    ("ht", _("Haitian Creole")),
    ("pt", _("Portuguese")),
]
assert [code for code, _label in LANGUAGE_CHOICES] == list(engine.LANGUAGE_NAMES)  # noqa: S101


def _yes_no(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def _yes_no_question(label: Any) -> forms.ChoiceField:
    """An optional yes / no / prefer-not-to-say question, as radio buttons."""
    return forms.ChoiceField(label=label, required=False, choices=YES_NO, widget=forms.RadioSelect)


class NeedsForm(forms.Form):
    """Every answer of the flow. Blank means "not said"; a blank answer never excludes."""

    postcode = forms.CharField(
        label=_("ZIP code"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    city = forms.CharField(
        label=_("City"),
        required=False,
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # Filled by "Use my location" (the browser asks first); rounded to about 1 km.
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)

    help = forms.MultipleChoiceField(
        label=_("What help do you need?"),
        required=False,
        choices=HELP_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )

    distance = forms.TypedChoiceField(
        label=_("How far can you go?"),
        required=False,
        choices=DISTANCE_CHOICES,
        widget=forms.RadioSelect,
        coerce=float,
        empty_value=None,
    )
    away = forms.ChoiceField(
        label=_("Do you want help far from where you are now?"),
        required=False,
        choices=AWAY_CHOICES,
        widget=forms.RadioSelect,
    )
    age = forms.IntegerField(
        label=_("How old are you?"),
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        min_value=0,
        max_value=120,
        error_messages={
            "invalid": _("Enter your age as a number, like 25."),
            "min_value": _("Enter an age from 0 to 120."),
            "max_value": _("Enter an age from 0 to 120."),
        },
    )
    gender = forms.ChoiceField(
        label=_("Your gender"), required=False, choices=GENDER_CHOICES, widget=forms.RadioSelect
    )
    children = forms.TypedChoiceField(
        label=_("Will children come with you?"),
        required=False,
        choices=CHILDREN_CHOICES,
        widget=forms.RadioSelect,
        coerce=int,
        empty_value=None,
    )
    pets = _yes_no_question(_("Will a pet come with you?"))
    trafficking = forms.ChoiceField(
        label=_("What happened to you?"),
        required=False,
        choices=TRAFFICKING_CHOICES,
        widget=forms.RadioSelect,
    )
    wheelchair = _yes_no_question(_("Do you need a place you can use with a wheelchair?"))
    substance = _yes_no_question(_("Do you use drugs or alcohol right now?"))
    id_documents = _yes_no_question(_("Do you have ID papers, like a passport or ID card?"))
    languages = forms.MultipleChoiceField(
        label=_("Which languages do you speak?"),
        required=False,
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    only_open = forms.BooleanField(label=_("Only show places with open space now"), required=False)

    def clean_postcode(self) -> str:
        return str(self.cleaned_data.get("postcode") or "").strip()

    def clean_city(self) -> str:
        return " ".join(str(self.cleaned_data.get("city") or "").split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.place_label = ""
        self.point: tuple[float, float] | None = None
        lat, lon = data.get("latitude"), data.get("longitude")
        if lat is not None and lon is not None:
            self.point = (round(lat, 2), round(lon, 2))
            self.place_label = str(_("Your location"))
        elif data.get("postcode"):
            place = postcodes.lookup(data["postcode"])
            if place is None:
                self.add_error(
                    "postcode",
                    _("We could not find that ZIP code. Check the 5 numbers, or type a city."),
                )
            else:
                self.point = (place.latitude, place.longitude)
                self.place_label = f"{place.postcode} ({place.city}, {place.state})"
        elif data.get("city"):
            places = postcodes.city_places(data["city"])
            if not places:
                self.add_error(
                    "city",
                    _(
                        "We could not find that city. Check the spelling, or add the state, "
                        "like “Chicago, IL”."
                    ),
                )
            elif len(places) > 1:
                self.add_error(
                    "city",
                    _(
                        "There is more than one city with that name. Add the state, "
                        "like “Springfield, IL”."
                    ),
                )
            else:
                self.point = (places[0].latitude, places[0].longitude)
                self.place_label = f"{places[0].city}, {places[0].state}"
        away_km, most_km = AWAY_KM.get(data.get("away") or ""), data.get("distance")
        if self.point and away_km is not None and most_km is not None and most_km <= away_km:
            # Only phone and online help could fit both; say so rather than show almost nothing.
            self.add_error(
                "away",
                _("This does not fit with how far you can go. Change one of the two answers."),
            )
        return data

    def needs(self) -> engine.Needs:
        """The engine's needs from the answers that are valid; call after `is_valid()`."""
        data = self.cleaned_data
        point = getattr(self, "point", None)
        trafficking = data.get("trafficking") or ""
        children = data.get("children")
        return engine.Needs(
            latitude=point[0] if point else None,
            longitude=point[1] if point else None,
            max_distance_km=data.get("distance") if point else None,
            away_from_km=AWAY_KM.get(data.get("away") or "") if point else None,
            help_types=frozenset(data.get("help") or ()) or None,
            age=data.get("age"),
            gender=data.get("gender") or None,
            children=children,
            pets=_yes_no(data.get("pets")),
            trafficking_types=(
                frozenset(engine.TRAFFICKING_TYPES if trafficking == "both" else [trafficking])
                if trafficking
                else None
            ),
            needs_wheelchair_access=_yes_no(data.get("wheelchair")),
            active_substance_use=_yes_no(data.get("substance")),
            has_id_documents=_yes_no(data.get("id_documents")),
            languages=tuple(data.get("languages") or ()) or None,
            only_open=bool(data.get("only_open")),
        )

    def state(self, *, leave_out: tuple[str, ...] = ()) -> list[tuple[str, str]]:
        """The valid answers as (name, value) pairs for hidden fields, so the next step
        carries them; the fields in `leave_out` are on the page and carry themselves."""
        data = getattr(self, "cleaned_data", {})
        pairs: list[tuple[str, str]] = []
        for name in self.fields:
            if name in leave_out or name in self.errors or name not in data:
                continue
            value = data[name]
            if value is None or value == "" or value is False:
                continue
            if name in ("latitude", "longitude"):
                pairs.append((name, f"{round(value, 2):.2f}"))
            elif isinstance(value, list):
                pairs.extend((name, str(v)) for v in value)
            elif value is True:
                pairs.append((name, "on"))
            elif isinstance(value, float):
                pairs.append((name, f"{value:g}"))
            else:
                pairs.append((name, str(value)))
        return pairs
