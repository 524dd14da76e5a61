from django import forms
from django.utils.translation import gettext_lazy as _

EXPIRY_CHOICES = [
    ("30", _("30 days")),
    ("90", _("90 days")),
    ("365", _("1 year")),
]


class ApiTokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Name (what the token is for)"),
        max_length=100,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    expires_days = forms.TypedChoiceField(
        label=_("Expires after"), choices=EXPIRY_CHOICES, coerce=int, initial="90"
    )
