from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from programs.models import Programme
from programs.overlap.models import HOUSEHOLD_CAP_DIGITS, FindingStatus, NationalListKind
from programs.overlap.rules import RULES
from registry.forms import kelurahan_choices
from registry.models import Kelurahan


class FindingFilterForm(forms.Form):
    rule = forms.ChoiceField(
        label=_("Rule"), required=False, choices=[("", "—"), *[(r.code, r.label) for r in RULES]]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", "—"), *FindingStatus.choices]
    )
    kelurahan = forms.CharField(label=_("Kelurahan code"), required=False, max_length=13)


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("confirm", _("Confirm")), ("dismiss", _("Dismiss"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea)


class DetectionForm(forms.Form):
    programme = forms.IntegerField(label=_("Programme"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2015, max_value=2100)


class ReportFilterForm(forms.Form):
    kecamatan = forms.RegexField(
        label=_("Kecamatan code"), required=False, regex=r"^32\.76\.[0-9]{2}$"
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2015, max_value=2100)


class LedgerFilterForm(forms.Form):
    household = forms.CharField(
        label=_("Registry no. (KDS-0000123)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "KDS-0000123"}),
    )
    kelurahan = forms.ChoiceField(label=_("Kelurahan"), required=False)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=2015, max_value=2100)

    def __init__(self, *args: Any, kelurahan: Iterable[Kelurahan], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("All")), *kelurahan_choices(kelurahan)]
        cast(forms.ChoiceField, self.fields["kelurahan"]).choices = choices


class NationalListForm(forms.Form):
    kind = forms.ChoiceField(label=_("List"), choices=NationalListKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2015, max_value=2100)
    file = forms.FileField(label=_("CSV file (columns nik, kk, nama)"))


class HouseholdCapForm(forms.Form):
    """The amount only: whether it is an acceptable cap is the service's to say."""

    household_year_cap = forms.DecimalField(
        label=_("Household benefit cap per year (Rp)"),
        max_digits=HOUSEHOLD_CAP_DIGITS,
        decimal_places=0,
    )


class ExclusivePairForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    other_programme = forms.ModelChoiceField(
        label=_("Excludes programme"), queryset=Programme.objects.none()
    )
    note = forms.CharField(label=_("Basis"), max_length=200, required=False)

    def __init__(self, *args: Any, programmes: QuerySet[Programme], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]
        self.fields["other_programme"].queryset = programmes  # type: ignore[attr-defined]
