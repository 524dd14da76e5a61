"""Advocate search: the matching engine with every filter at once, a list and a map.

A GET form (bookmarkable, works without JavaScript; HTMX refreshes only the results). The
needs entered here describe a person: they are not stored, logged or audited. A confidential
place is on the map, and in the page, only for members of its own organization; everyone
else sees its area and a rounded distance, never its coordinates (the match results are
already redacted for the viewer).
"""

import json
import uuid
from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from lantern.accounts.roles import Capability
from lantern.accounts.selectors import has_capability, hsds_organizations_with_members
from lantern.core import postcodes
from lantern.geography.outlines import static_paths
from lantern.matching import engine, labels, policy
from lantern.matching.cards import result_card
from lantern.matching.services import MAX_LIMIT, MatchItem, find_help

YES_NO = [("", _("Not stated")), ("yes", _("Yes")), ("no", _("No"))]
SORTS = [
    ("best", _("Best match")),
    ("distance", _("Nearest")),
    ("open", _("Most open places")),
    ("updated", _("Most recently updated")),
    ("name", _("Name")),
]


# The filters that describe the person (not the place): what "Hold and refer" carries over
# as the referral's needs profile. Location and distance stay behind on purpose.
PERSON_FIELDS = (
    "help_types",
    "age",
    "gender",
    "children",
    "pets",
    "trafficking_types",
    "needs_wheelchair_access",
    "active_substance_use",
    "has_id_documents",
    "languages",
    "preferences",
)


def _choices(codes: Any, names: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(code, names[code]) for code in codes]


class AdvocateSearchForm(forms.Form):
    postcode = forms.CharField(label=_("ZIP code"), max_length=10, required=False)
    latitude = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90, required=False)
    longitude = forms.FloatField(
        label=_("Longitude"), min_value=-180, max_value=180, required=False
    )
    max_distance_km = forms.FloatField(
        label=_("Within (km)"), min_value=0, max_value=20000, required=False
    )
    away_from_km = forms.FloatField(
        label=_("At least this far away (km)"), min_value=0, max_value=20000, required=False
    )
    help_types = forms.MultipleChoiceField(
        label=_("Help needed"),
        choices=_choices(engine.HELP_TYPES, labels.HELP_TYPE_LABELS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=130, required=False)
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", _("Not stated")), *_choices(engine.GENDERS, labels.GENDER_LABELS)],
        required=False,
    )
    children = forms.IntegerField(
        label=_("Children coming along"), min_value=0, max_value=20, required=False
    )
    pets = forms.ChoiceField(label=_("Pets"), choices=YES_NO, required=False)
    trafficking_types = forms.MultipleChoiceField(
        label=_("Trafficking type"),
        choices=_choices(engine.TRAFFICKING_TYPES, labels.TRAFFICKING_LABELS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    needs_wheelchair_access = forms.ChoiceField(
        label=_("Needs wheelchair access"), choices=YES_NO, required=False
    )
    active_substance_use = forms.ChoiceField(
        label=_("Active substance use"), choices=YES_NO, required=False
    )
    has_id_documents = forms.ChoiceField(
        label=_("Has ID documents"), choices=YES_NO, required=False
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages the person speaks"),
        choices=list(labels.LANGUAGE_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    only_open = forms.BooleanField(label=_("Only places open now"), required=False)
    preferences = forms.MultipleChoiceField(
        label=_("Preferences (rank only)"),
        choices=list(labels.PREFERENCE_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)
    limit = forms.IntegerField(
        label=_("How many"), min_value=1, max_value=MAX_LIMIT, required=False
    )

    def clean_languages(self) -> tuple[str, ...] | None:
        return tuple(self.cleaned_data.get("languages") or ()) or None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            self.add_error("longitude" if lon is None else "latitude", _("Give both or neither."))
        postcode = (data.get("postcode") or "").strip()
        if postcode and lat is None and lon is None:
            place = postcodes.lookup(postcode)
            if place is None:
                self.add_error("postcode", _("We do not know this ZIP code."))
            else:
                data["latitude"], data["longitude"] = place.latitude, place.longitude
        return data

    def needs(self) -> engine.Needs:
        data = self.cleaned_data

        def yes_no(name: str) -> bool | None:
            return {"yes": True, "no": False}.get(data.get(name) or "")

        return engine.Needs(
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            max_distance_km=data.get("max_distance_km"),
            away_from_km=data.get("away_from_km"),
            help_types=frozenset(data["help_types"]) if data.get("help_types") else None,
            age=data.get("age"),
            gender=data.get("gender") or None,
            children=data.get("children"),
            pets=yes_no("pets"),
            trafficking_types=(
                frozenset(data["trafficking_types"]) if data.get("trafficking_types") else None
            ),
            needs_wheelchair_access=yes_no("needs_wheelchair_access"),
            active_substance_use=yes_no("active_substance_use"),
            has_id_documents=yes_no("has_id_documents"),
            languages=data.get("languages"),
            only_open=bool(data.get("only_open")),
            preferences=frozenset(data.get("preferences") or ()),
        )


def person_initial(needs: engine.Needs) -> dict[str, Any]:
    """The form's PERSON_FIELDS for a needs profile, the inverse of `needs()` for them:
    what a survivor told the find-help pages, prefilled where an advocate asks the same."""

    def yes_no(value: bool | None) -> str:
        return "" if value is None else ("yes" if value else "no")

    initial: dict[str, Any] = {
        "help_types": sorted(needs.help_types or ()),
        "age": needs.age,
        "gender": needs.gender or "",
        "children": needs.children,
        "pets": yes_no(needs.pets),
        "trafficking_types": sorted(needs.trafficking_types or ()),
        "needs_wheelchair_access": yes_no(needs.needs_wheelchair_access),
        "active_substance_use": yes_no(needs.active_substance_use),
        "has_id_documents": yes_no(needs.has_id_documents),
        "languages": list(needs.languages or ()),
        "preferences": sorted(needs.preferences),
    }
    return {name: value for name, value in initial.items() if value not in (None, "", [])}


def _point(item: MatchItem) -> list[float] | None:
    """The exact point, present only when the viewer may see it (redacted docs carry none)."""
    if item.confidential:
        return None
    for sal in item.service.get("service_at_locations", []):
        location = sal.get("location", {})
        if location.get("latitude") is not None and location.get("longitude") is not None:
            return [location["latitude"], location["longitude"]]
    return None


def _row(item: MatchItem, now: datetime) -> dict[str, Any]:
    card = result_card(item)
    card["stale"] = item.availability.freshness == "stale"
    if item.availability.updated is not None:
        card["hours_old"] = int((now - item.availability.updated).total_seconds() // 3600)
    card["distance_km"] = item.distance_km
    card["point"] = _point(item)
    return card


def _map_config() -> dict[str, Any]:
    """What the map draws under the markers: the tile server when one is set, otherwise the
    state and county outlines that Lantern serves itself (nothing leaves the server)."""
    paths = None if settings.LANTERN_MAP_TILE_URL else static_paths()
    outlines = None
    if paths is not None:
        outlines = {
            "states": static(paths["states"]),
            "counties": {fips: static(path) for fips, path in paths["counties"].items()},
            "attribution": str(_("Outlines: U.S. Census Bureau")),
        }
    return {
        "tile_url": settings.LANTERN_MAP_TILE_URL,
        "attribution": settings.LANTERN_MAP_TILE_ATTRIBUTION,
        "outlines": outlines,
    }


def _search_centre(form: AdvocateSearchForm, request: HttpRequest) -> dict[str, Any] | None:
    """The point the search measured from, labelled with the ZIP code or the coordinates
    entered (the advocate's own input, shown back to them as text)."""
    latitude, longitude = form.cleaned_data.get("latitude"), form.cleaned_data.get("longitude")
    if latitude is None or longitude is None:
        return None
    postcode = (form.cleaned_data.get("postcode") or "").strip()
    if postcode and not request.GET.get("latitude"):
        label = _("Search centre: ZIP %(zip)s") % {"zip": postcode}
    else:
        label = _("Search centre: %(latitude)s, %(longitude)s") % {
            "latitude": f"{latitude:.4f}",
            "longitude": f"{longitude:.4f}",
        }
    return {"point": [latitude, longitude], "label": str(label)}


def _refer_case(request: HttpRequest) -> str:
    """The id of the case record a search was started from (`?case=`), or "". The search
    only carries it on to the case's own "hold and refer" page (`/cases/<id>/refer/...`),
    which decides whether the user may refer from that case; nothing here reads it."""
    try:
        return str(uuid.UUID(request.GET.get("case", "")))
    except ValueError:
        return ""


@never_cache
@login_required
@require_safe
def advocate_search(request: HttpRequest) -> HttpResponse:
    if not policy.may_use_advocate_search(request.user):
        raise Http404
    form = AdvocateSearchForm(request.GET)  # empty: every service, best first
    context: dict[str, Any] = {
        "form": form,
        "searched": False,
        "map_config": _map_config(),
        "refer_case": _refer_case(request),
    }
    if form.is_valid():
        # The order applies to every fitting service before the page is cut.
        page = find_help(
            form.needs(),
            user=request.user,
            limit=form.cleaned_data.get("limit") or 20,
            order=form.cleaned_data.get("sort") or "best",
        )
        now = timezone.now()
        rows = [_row(item, now) for item in page.items]
        # "Hold and refer" only where someone answers referrals (a member organization's
        # listing); elsewhere the row's phone is the way, and no form ends in a refusal.
        owners = [item.service.get("organization", {}).get("id") for item in page.items]
        receiving = hsds_organizations_with_members(owners)
        for owner, row in zip(owners, rows, strict=True):
            row["takes_referrals"] = owner in receiving
        person = QueryDict(mutable=True)
        for name in PERSON_FIELDS:
            values = [v for v in request.GET.getlist(name) if v]
            if values:
                person.setlist(name, values)
        context.update(
            searched=True,
            may_refer=has_capability(request.user, Capability.REFER),
            refer_query=person.urlencode(),
            total=page.total,
            rows=rows,
            sort=form.cleaned_data.get("sort") or "best",
            markers_json=json.dumps(
                [
                    {
                        "id": r["id"],
                        "number": number,
                        "name": r["name"],
                        "point": r["point"],
                        "status": r["status"],
                        # Beyond tonight's travel radius: drawn, but the first view
                        # frames the places within reach.
                        "far": bool(r.get("farther_away")),
                    }
                    for number, r in enumerate(rows, start=1)
                    if r["point"] is not None
                ]
            ),
            centre_json=json.dumps(_search_centre(form, request)),
        )
    template = (
        "matching/_advocate_results.html"
        if request.headers.get("HX-Request") and not form.errors
        else "matching/advocate_search.html"
    )
    # HTMX swaps only 2xx answers: a refused field comes back as 200 with its message there.
    htmx = bool(request.headers.get("HX-Request"))
    return render(request, template, context, status=422 if form.errors and not htmx else 200)
