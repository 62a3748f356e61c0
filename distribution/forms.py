"""Portal forms of distribution: they validate input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from distribution.models import Batch
from programs.models import Cycle


class BatchForm(forms.Form):
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), label=_("Cycle"))
    tahap = forms.IntegerField(label=_("Tahap"), min_value=1, max_value=99)
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput({"type": "date"}))
    period_end = forms.DateField(label=_("Period until"), widget=forms.DateInput({"type": "date"}))
    planned_on = forms.DateField(label=_("Planned date"), widget=forms.DateInput({"type": "date"}))

    def __init__(self, *args: object, cycles: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if cycles is not None:
            self.fields["cycle"].queryset = cycles  # type: ignore[attr-defined]


class ReturnFileForm(forms.Form):
    file = forms.FileField(label=_("Return file (CSV or XLSX)"))


class HandoverForm(forms.Form):
    receiver_nik = forms.RegexField(
        regex=r"^[0-9]{16}$",
        label=_("NIK of the person receiving"),
        widget=forms.TextInput({"inputmode": "numeric", "autocomplete": "off"}),
    )
    evidence = forms.FileField(
        label=_("Photo or signature"),
        widget=forms.ClearableFileInput(
            {"accept": "image/*,application/pdf", "capture": "environment"}
        ),
    )


class PayInPersonForm(forms.Form):
    receiver_nik = forms.RegexField(regex=r"^[0-9]{16}$", label=_("NIK of the heir present"))


class ReissueForm(forms.Form):
    """The batch a failed or returned line is paid again in, typed by its number."""

    batch = forms.ModelChoiceField(
        queryset=Batch.objects.none(),
        label=_("Into batch"),
        widget=forms.NumberInput({"min": 1, "aria-label": _("Into batch")}),
        error_messages={"invalid_choice": _("There is no batch with this number.")},
    )

    def __init__(self, *args: object, batches: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if batches is not None:
            self.fields["batch"].queryset = batches  # type: ignore[attr-defined]


class LpjForm(forms.Form):
    document = forms.FileField(
        label=_("Accountability report (LPJ)"),
        widget=forms.ClearableFileInput({"accept": "application/pdf,image/*", "aria-label": "LPJ"}),
    )


class ReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2015, max_value=2100, required=False)
    group = forms.ChoiceField(
        label=_("Per"),
        required=False,
        choices=[
            ("programme", _("Programme")),
            ("tahap", _("Tahap")),
            ("kecamatan", _("Kecamatan")),
            ("kelurahan", _("Kelurahan")),
        ],
    )
