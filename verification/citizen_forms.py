"""The citizens' public forms: the self-check and the objection (usul sanggah)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from registry.models import Kelurahan
from verification.services.public import TOPICS

SIXTEEN_DIGITS = RegexValidator(r"^[0-9]{16}$", _("Type the 16 digits."))
REASON_MAX = 2000


def _digits(value: str) -> str:
    return "".join(value.split())


class SelfCheckForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(
        label=_("Full name as on the KK"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    kk = forms.CharField(
        label=_("or No. KK"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_nik(self) -> str:
        nik = _digits(self.cleaned_data["nik"])
        SIXTEEN_DIGITS(nik)
        return nik

    def clean_kk(self) -> str:
        kk = _digits(self.cleaned_data["kk"])
        if kk:
            SIXTEEN_DIGITS(kk)
        return kk

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("name") or "").strip() and not data.get("kk"):
            raise forms.ValidationError(_("Give your name or your No. KK as well."))
        return data


class ObjectionForm(forms.Form):
    topic = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[(code, label) for code, (_k, _c, label) in TOPICS.items()],
        widget=forms.RadioSelect,
    )
    nik = forms.CharField(
        label=_("NIK"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Full name as on the KK"), max_length=150)
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan where you live"),
        queryset=Kelurahan.objects.order_by("name"),
        to_field_name="code",
    )
    contact = forms.CharField(
        label=_("Telephone / WhatsApp or e-mail"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "tel"}),
    )
    reason = forms.CharField(
        label=_("Your reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": REASON_MAX}),
    )
    # A field people never see: a form-filling robot fills it, and is refused.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_nik(self) -> str:
        nik = _digits(self.cleaned_data["nik"])
        SIXTEEN_DIGITS(nik)
        return nik
