"""Forms of the Dukcapil matching pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from registry.dukcapil.models import MatchRun, Outcome
from registry.dukcapil.services import CONFIRM, REJECT
from registry.models import Kelurahan

DECISION_CHOICES = [(CONFIRM, _("Confirm")), (REJECT, _("Reject"))]


class RunStartForm(forms.Form):
    source = forms.ChoiceField(label=_("Source"), choices=MatchRun.Source.choices)
    scope = forms.ChoiceField(
        label=_("Persons"),
        choices=[
            (MatchRun.Scope.ALL, _("All persons")),
            (MatchRun.Scope.KELURAHAN, _("One kelurahan")),
        ],
    )
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan"), queryset=Kelurahan.objects.none(), required=False
    )

    def __init__(self, *args: Any, kelurahan: QuerySet[Kelurahan], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kelurahan"].queryset = kelurahan  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == MatchRun.Scope.KELURAHAN and not data.get("kelurahan"):
            self.add_error("kelurahan", _("Choose the kelurahan."))
        return data


class ExtractUploadForm(forms.Form):
    semester = forms.RegexField(
        label=_("Semester"),
        regex=r"^\d{4}-[12]$",
        help_text=_("Year and half, e.g. 2025-2 for the second semester of 2025."),
        error_messages={"invalid": _("Write the semester as year-1 or year-2, e.g. 2025-2.")},
    )
    file = forms.FileField(
        label=_("DKB file (CSV)"),
        help_text=_(
            "Dukcapil's column names in the first row: NIK, NO_KK, NAMA_LGKP, TGL_LHR and "
            "JENIS_KLMIN are required; TMPT_LHR, STAT_HBKEL, STATUS_KAWIN, NAMA_LGKP_IBU, "
            "ALAMAT, NO_RT, NO_RW, NO_KEC, NO_KEL, STAT_MATI, TGL_MATI, STAT_PINDAH and "
            "TGL_PINDAH are read when present."
        ),
    )


class OutcomeFilterForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("All outcomes")), *Outcome.choices], required=False
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISION_CHOICES)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    event_date = forms.DateField(
        label=_("Date of death or move"),
        required=False,
        help_text=_("Only if Dukcapil gave none or it is wrong."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class BulkReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISION_CHOICES)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    outcome = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the queue's filter beside it has an `outcome` field too.
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the review service finds each one in the user's scope.
        ids = self.data.getlist("outcome") if hasattr(self.data, "getlist") else []
        self.fields["outcome"].choices = [(value, value) for value in ids]  # type: ignore[attr-defined]
        self.fields["outcome"].error_messages["required"] = _("Tick at least one outcome.")
