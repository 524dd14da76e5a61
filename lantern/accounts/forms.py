from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\d{6}$",
        label=_("6-digit code from your authenticator app"),
        error_messages={"invalid": _("Enter the 6 digits from your app.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"}
        ),
    )


class ReauthForm(TokenForm):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
