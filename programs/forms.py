from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import Application, Enrolment
from registry.forms import kelurahan_choices
from registry.models import Kelurahan


class CycleForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2015, max_value=2100)
    tahap = forms.IntegerField(
        label=_("Tahap (0 = whole year)"), min_value=0, max_value=12, initial=0
    )
    quota = forms.IntegerField(label=_("Quota"), min_value=1)
    budget = forms.DecimalField(
        label=_("Budget (Rp)"), min_value=0, decimal_places=0, required=False
    )
    amount = forms.DecimalField(
        label=_("Amount per beneficiary (Rp)"), min_value=0, decimal_places=0, required=False
    )


class ApplicantForm(forms.Form):
    nik = forms.RegexField(label=_("NIK of the beneficiary"), regex=r"^[0-9]{16}$")
    channel = forms.ChoiceField(label=_("Proposed by"), choices=Application.Channel.choices)
    amount = forms.DecimalField(
        label=_("Amount (Rp), if not the cycle's"), min_value=0, decimal_places=0, required=False
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, required=False, widget=forms.TextInput
    )


class ExitForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why the enrolment ends"), choices=Enrolment.ExitReason.choices
    )


class DecreeForm(forms.Form):
    number = forms.CharField(label=_("Decree (SK) number"), max_length=80)
    decreed_on = forms.DateField(
        label=_("Decree date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Recipient list (CSV: nik, optional amount and programme columns)")
    )
    commit = forms.BooleanField(
        label=_("Enrol now (otherwise only check the rows)"), required=False
    )
    historical = forms.BooleanField(
        label=_(
            "Historical record of a closed cycle: recorded without the checks and marked "
            "as historical"
        ),
        required=False,
    )


class ReportFilterForm(forms.Form):
    """Years to compare (default: the last three, the current one included) and a region
    chosen by name; a kelurahan outside the chosen kecamatan is refused, not shown as zeros."""

    years = forms.TypedMultipleChoiceField(
        label=_("Years"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    kecamatan = forms.ChoiceField(required=False, label=_("Kecamatan"))
    kelurahan = forms.ChoiceField(required=False, label=_("Kelurahan"))

    def __init__(
        self,
        *args: Any,
        kelurahan: Iterable[Kelurahan],
        years: Sequence[int],
        default_years: Sequence[int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        rows = list(kelurahan)
        kecamatan = sorted({(k.kecamatan_id, k.kecamatan.name) for k in rows}, key=lambda c: c[1])
        self.default_years = list(default_years)
        fields = self.fields
        cast(forms.ChoiceField, fields["years"]).choices = [(y, str(y)) for y in years]
        cast(forms.ChoiceField, fields["kecamatan"]).choices = [("", _("All")), *kecamatan]
        cast(forms.ChoiceField, fields["kelurahan"]).choices = [
            ("", _("All")),
            *kelurahan_choices(rows),
        ]
        fields["years"].initial = self.default_years

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("years"):
            data["years"] = self.default_years
        kecamatan, kelurahan = data.get("kecamatan"), data.get("kelurahan")
        if kecamatan and kelurahan and not kelurahan.startswith(f"{kecamatan}."):
            self.add_error("kelurahan", _("This kelurahan is not in the chosen kecamatan."))
        return data
