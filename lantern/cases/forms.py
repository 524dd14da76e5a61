"""Forms of the case-record pages: parsing and field errors only; `fields.clean_case_fields`
and the services decide what a case may hold.

Field names are the services' own (`alias`, `gender` ...), so a `FieldError` from a service
lands on its field; the places are rows of four fields (`place_1_place_type`,
`place_1_country`, `place_1_state`, `place_1_county` ...), "places.0.county" from a service
landing on `place_1_county`.
"""

import re
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lantern.cases import fields, fips, vocab
from lantern.cases.labels import FIELD_LABELS, choices
from lantern.cases.selectors import CaseQuery
from lantern.core.api_errors import FieldError
from lantern.core.bounds import validate_date_in_range

PLACE_ROWS = 3  # rows shown for a new case (an edit shows one more than the case has)
PLACE_PARTS = ("place_type", "country", "state", "county")
_PLACE_FIELD = re.compile(r"^place_(\d+)_(place_type|country|state|county)$")
_SERVICE_PLACE = re.compile(r"^places\.(\d+)\.(\w+)$")
BLANK = "—"


def _date_field(label: Any, **extra: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        validators=[validate_date_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
        **extra,
    )


class CaseForm(forms.Form):
    """Every field of a case record (the form of a new case and of an edit)."""

    alias = forms.CharField(
        label=FIELD_LABELS["alias"],
        max_length=fields.ALIAS_MAX,
        required=False,
        help_text=_("A first name or a name they choose. May be left empty."),
    )
    contact = forms.CharField(
        label=FIELD_LABELS["contact"],
        max_length=fields.CONTACT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("How and when it is safe to reach them."),
    )
    birth_year = forms.IntegerField(
        label=FIELD_LABELS["birth_year"], min_value=1900, required=False
    )
    age_band = forms.ChoiceField(
        label=FIELD_LABELS["age_band"],
        required=False,
        help_text=_("Only when the birth year is not known: it follows the birth year."),
    )
    gender = forms.ChoiceField(label=FIELD_LABELS["gender"], required=False)
    citizenship = forms.ChoiceField(label=FIELD_LABELS["citizenship"], required=False)
    primary_language = forms.ChoiceField(label=FIELD_LABELS["primary_language"], required=False)
    trafficking_status = forms.ChoiceField(label=FIELD_LABELS["trafficking_status"], required=False)
    types_of_exploitation = forms.MultipleChoiceField(
        label=FIELD_LABELS["types_of_exploitation"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    methods_of_control = forms.MultipleChoiceField(
        label=FIELD_LABELS["methods_of_control"],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    method_of_recruitment = forms.ChoiceField(
        label=FIELD_LABELS["method_of_recruitment"], required=False
    )
    forced_labour_industry = forms.ChoiceField(
        label=FIELD_LABELS["forced_labour_industry"], required=False
    )
    identified_on = _date_field(FIELD_LABELS["identified_on"])
    opened_on = _date_field(FIELD_LABELS["opened_on"], initial=timezone.localdate)
    status = forms.ChoiceField(label=FIELD_LABELS["status"])

    def __init__(
        self,
        *args: Any,
        organizations: list[Any] | None = None,
        place_rows: int = PLACE_ROWS,
        with_status: bool = True,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # A new case opens today unless told; an edit keeps the date it shows.
        self.fields["opened_on"].required = editing
        self._choices("age_band", vocab.AGE_BANDS)
        self._choices("gender", vocab.GENDER)
        self._choices("trafficking_status", vocab.TRAFFICKING_STATUS)
        self._choices("method_of_recruitment", vocab.METHODS_OF_RECRUITMENT)
        self._choices("forced_labour_industry", vocab.FORCED_LABOUR_INDUSTRIES)
        self.fields["types_of_exploitation"].choices = choices(vocab.TYPES_OF_EXPLOITATION)  # type: ignore[attr-defined]
        self.fields["methods_of_control"].choices = choices(vocab.METHODS_OF_CONTROL)  # type: ignore[attr-defined]
        countries = [("", BLANK), *vocab.country_choices()]
        self.fields["citizenship"].choices = countries  # type: ignore[attr-defined]
        self.fields["primary_language"].choices = [("", BLANK), *vocab.language_choices()]  # type: ignore[attr-defined]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            (code, vocab.CASE_STATUS[code]) for code in fields.OPEN_STATUSES
        ]
        if not with_status:
            del self.fields["status"]
        if organizations and len(organizations) > 1:
            self.fields["organization"] = forms.ChoiceField(
                label=_("Organization"),
                choices=[(str(org.pk), org.name) for org in organizations],
            )
        rows = max(place_rows, self._posted_place_rows())
        self.place_rows = min(rows, fields.MAX_PLACES)
        for row in range(1, self.place_rows + 1):
            self.fields[f"place_{row}_place_type"] = forms.ChoiceField(
                label=_("What happened there"),
                required=False,
                choices=choices(vocab.PLACE_TYPES, blank=BLANK),
            )
            self.fields[f"place_{row}_country"] = forms.ChoiceField(
                label=_("Country"), required=False, choices=countries
            )
            self.fields[f"place_{row}_state"] = forms.ChoiceField(
                label=_("State (United States)"),
                required=False,
                choices=[("", BLANK), *fips.STATE_CHOICES],
            )
            self.fields[f"place_{row}_county"] = forms.RegexField(
                label=_("County FIPS code (5 digits)"),
                regex=r"^\d{5}$",
                required=False,
                max_length=5,
                error_messages={"invalid": _("Five digits, such as 17031.")},
            )

    def clean_birth_year(self) -> int | None:
        year: int | None = self.cleaned_data.get("birth_year")
        if year is not None and year > timezone.localdate().year:
            raise forms.ValidationError(_("Choose a year that has begun."))
        return year

    def _choices(self, name: str, codes: Any) -> None:
        self.fields[name].choices = choices(codes, blank=BLANK)  # type: ignore[attr-defined]

    def _posted_place_rows(self) -> int:
        if not self.is_bound:
            return 0
        rows = [int(m.group(1)) for key in self.data if (m := _PLACE_FIELD.match(key))]
        return max(rows, default=0)

    def place_groups(self) -> list[list[Any]]:
        """The bound fields of each place row, for the template."""
        return [
            [self[f"place_{row}_{part}"] for part in PLACE_PARTS]
            for row in range(1, self.place_rows + 1)
        ]

    def other_fields(self) -> list[Any]:
        return [
            self[name]
            for name in self.fields
            if not _PLACE_FIELD.match(name) and name != "organization"
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for row in range(1, self.place_rows + 1):
            parts = {part: data.get(f"place_{row}_{part}") or "" for part in PLACE_PARTS}
            if not any(parts.values()):
                continue
            if not parts["place_type"]:
                self.add_error(f"place_{row}_place_type", _("Say what happened at this place."))
            if not parts["country"]:
                self.add_error(f"place_{row}_country", _("Choose the country."))
            if (parts["state"] or parts["county"]) and parts["country"] != "US":
                self.add_error(
                    f"place_{row}_state",
                    _("States and counties are given for the United States only."),
                )
            if (
                parts["county"]
                and parts["state"]
                and not parts["county"].startswith(parts["state"])
            ):
                self.add_error(f"place_{row}_county", _("This county is not in the state chosen."))
        return data

    def case_data(self) -> dict[str, Any]:
        """The cleaned values as the services take them (`fields.EDITABLE_FIELDS` names)."""
        data = self.cleaned_data
        values: dict[str, Any] = {
            name: data.get(name) for name in self.fields if name in fields.EDITABLE_FIELDS
        }
        values["birth_year"] = "" if data.get("birth_year") is None else data["birth_year"]
        places = []
        for row in range(1, self.place_rows + 1):
            parts = {part: data.get(f"place_{row}_{part}") or "" for part in PLACE_PARTS}
            if any(parts.values()):
                places.append(parts)
        values["places"] = places
        return values

    def organization_id(self) -> str | None:
        return self.cleaned_data.get("organization")

    def add_service_error(self, exc: FieldError) -> None:
        """Put a service's FieldError on its field (or on the whole form)."""
        name = exc.field
        match = _SERVICE_PLACE.match(name)
        if match:
            name = f"place_{int(match.group(1)) + 1}_{match.group(2)}"
        if name in self.fields:
            self.add_error(name, exc.message)
        else:
            self.add_error(None, exc.message)

    @staticmethod
    def initial_from(values: dict[str, Any]) -> dict[str, Any]:
        """Initial values for an edit, from `reading.case_values` of the case."""
        initial = {
            name: values.get(name)
            for name in fields.EDITABLE_FIELDS
            if name in values and name != "places"
        }
        for index, place in enumerate(values.get("places") or [], start=1):
            for part in PLACE_PARTS:
                initial[f"place_{index}_{part}"] = place.get(part, "")
        return initial


class CaseSearchForm(forms.Form):
    """The case list's search (GET). Every part is optional."""

    number = forms.CharField(label=_("Case number"), max_length=20, required=False)
    alias = forms.CharField(
        label=_("First name or alias"),
        max_length=fields.ALIAS_MAX,
        required=False,
        help_text=_("Whole words, as written on the case; accents and capitals do not matter."),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    opened_from = _date_field(_("Opened from"))
    opened_to = _date_field(_("Opened until"))
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, *args: Any, assignees: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices(vocab.CASE_STATUS, blank=_("Any"))  # type: ignore[attr-defined]
        if assignees:
            self.fields["assignee"].choices = [  # type: ignore[attr-defined]
                ("", _("Anyone")),
                *((str(user.pk), user.display_name or user.email) for user in assignees),
            ]
        else:
            del self.fields["assignee"]

    def clean_alias(self) -> str:
        alias: str = (self.cleaned_data.get("alias") or "").strip()
        if alias and not any(len(word) >= 2 for word in re.split(r"\W+", alias)):
            raise forms.ValidationError(_("Type at least one word of two letters or more."))
        return alias

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("opened_from"), data.get("opened_to")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            self.add_error("opened_to", _("Choose a date on or after the first one."))
        return data

    def query(self, alias_digests: tuple[str, ...]) -> CaseQuery:
        data = self.cleaned_data
        return CaseQuery(
            number=data.get("number") or "",
            status=data.get("status") or "",
            opened_from=data.get("opened_from"),
            opened_to=data.get("opened_to"),
            assignee_id=data.get("assignee") or None,
            alias_digests=alias_digests,
        )


class AssignForm(forms.Form):
    """Add a caseworker to a case, or take one off it."""

    ACTIONS = (("assign", _("Assign")), ("unassign", _("Remove")))

    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    user = forms.ChoiceField(label=_("Caseworker"))

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [  # type: ignore[attr-defined]
            (str(user.pk), user.display_name or user.email) for user in people
        ]


class HandoverForm(forms.Form):
    """A supervisor hands a caseworker's cases (all, or the ones ticked) to another."""

    from_user = forms.ChoiceField(label=_("Hand over the cases of"))
    to_user = forms.ChoiceField(label=_("To"))
    cases = forms.MultipleChoiceField(
        label=_("Which cases (none ticked: all of them)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note for the new caseworker"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Added to each case as a note, which only people working on it can read."),
    )

    def __init__(
        self, *args: Any, people: list[Any], cases: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        people_choices = [(str(user.pk), user.display_name or user.email) for user in people]
        self.fields["from_user"].choices = people_choices  # type: ignore[attr-defined]
        self.fields["to_user"].choices = people_choices  # type: ignore[attr-defined]
        self.fields["cases"].choices = [  # type: ignore[attr-defined]
            (str(case.pk), case.number) for case in cases or []
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            self.add_error("to_user", _("Choose another caseworker to take the cases."))
        return data


class MergeForm(forms.Form):
    """The number of the case to merge into this one (same organization)."""

    number = forms.CharField(
        label=_("Number of the duplicate case"),
        max_length=20,
        help_text=_("Such as 2026-00012. That case is closed and merged into this one."),
    )
