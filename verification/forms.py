"""Portal forms of verification: verdicts, the field-visit record, evidence, complaints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from registry import scoring
from registry.assessment_forms import ANSWER_PREFIX, AssessmentForm
from registry.models import Kelurahan
from verification.models import Complaint, Evidence

VERDICT_CHOICES = [("pass", _("Passed")), ("fail", _("Failed"))]
CONDITION_CHOICES = [
    ("", "—"),
    ("good", _("Good")),
    ("damaged", _("Damaged")),
    ("severe", _("Severely damaged")),
]
LAND_CHOICES = [
    ("", "—"),
    ("certified", _("Owned, certified")),
    ("uncertified", _("Owned, not certified")),
    ("disputed", _("In dispute")),
    ("other", _("Other")),
]


class VerdictForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Verdict"), choices=VERDICT_CHOICES, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    @property
    def passed(self) -> bool:
        return bool(self.cleaned_data["outcome"] == "pass")


class TechnicalVerdictForm(VerdictForm):
    """The technical check's findings (all optional: each programme uses the ones it needs)."""

    roof = forms.ChoiceField(label=_("Roof"), choices=CONDITION_CHOICES, required=False)
    floor = forms.ChoiceField(label=_("Floor"), choices=CONDITION_CHOICES, required=False)
    walls = forms.ChoiceField(label=_("Walls"), choices=CONDITION_CHOICES, required=False)
    land_status = forms.ChoiceField(label=_("Land status"), choices=LAND_CHOICES, required=False)
    document = forms.CharField(
        label=_("Document checked (school enrolment, death certificate, need assessment)"),
        max_length=200,
        required=False,
    )

    FINDINGS = ("roof", "floor", "walls", "land_status", "document")

    def __init__(self, *args: Any, findings: Sequence[str] = FINDINGS, **kwargs: Any) -> None:
        """Only the findings the programme's technical check records (`findings`)."""
        super().__init__(*args, **kwargs)
        for name in self.FINDINGS:
            if name not in findings:
                del self.fields[name]

    def findings(self) -> dict[str, str]:
        return {k: self.cleaned_data[k] for k in self.FINDINGS if self.cleaned_data.get(k)}


def finding_lines(findings: dict[str, Any]) -> list[str]:
    """A verdict's findings as people read them: "Atap: rusak berat"."""
    form = TechnicalVerdictForm()
    lines = []
    for key, value in findings.items():
        field = form.fields.get(key)
        if field is None:
            lines.append(f"{key}: {value}")
            continue
        choices = dict(getattr(field, "choices", []) or [])
        lines.append(f"{field.label}: {choices.get(value, value)}")
    return lines


class VisitForm(AssessmentForm):
    """The visit on a phone: the 14 answers, notes, GPS if given, and the poverty verdict."""

    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        required=False,
        min_value=-90,
        max_value=90,
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        max_digits=9,
        decimal_places=6,
        required=False,
        min_value=-180,
        max_value=180,
    )
    outcome = forms.ChoiceField(
        label=_("Poverty check verdict"),
        choices=VERDICT_CHOICES,
        widget=forms.RadioSelect,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(
        self, *args: Any, rules: scoring.Ruleset, with_verdict: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, rules=rules, **kwargs)
        del self.fields["source"]
        self.fields["assessed_on"].label = _("Visited on")
        if not with_verdict:
            del self.fields["outcome"], self.fields["reason"]
        else:
            self.fields["outcome"].required = True
            self.fields["reason"].required = True

    def passed(self) -> bool | None:
        outcome = self.cleaned_data.get("outcome")
        return None if not outcome else outcome == "pass"

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(ANSWER_PREFIX)]


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Evidence.Kind.choices)
    file = forms.FileField(
        label=_("File (JPEG, PNG or PDF)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args: Any, camera: bool = False, **kwargs: Any) -> None:
        """`camera`: a phone opens its camera for the file (a photo taken on the spot)."""
        super().__init__(*args, **kwargs)
        if camera:
            self.fields["file"].label = _("Photo (taken with the camera) or file")
            self.fields["file"].widget.attrs.update({"accept": "image/*", "capture": "environment"})


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Officer"), coerce=int)

    def __init__(self, *args: Any, officers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = officers  # type: ignore[attr-defined]


class VisitAssignForm(AssignForm):
    due_on = forms.DateField(
        label=_("New due date (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ComplaintForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Complaint.Kind.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Complaint.Category.choices)
    kelurahan = forms.ModelChoiceField(label=_("Kelurahan"), queryset=Kelurahan.objects.none())
    registry_number = forms.CharField(
        label=_("Household registry number (KDS-…), if known"), max_length=20, required=False
    )
    application = forms.IntegerField(label=_("Application number, if known"), required=False)
    description = forms.CharField(label=_("Complaint"), widget=forms.Textarea(attrs={"rows": 4}))
    complainant_name = forms.CharField(
        label=_("Complainant's name"), max_length=150, required=False
    )
    complainant_contact = forms.CharField(
        label=_("Complainant's contact"), max_length=100, required=False
    )

    def __init__(self, *args: Any, kelurahan: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kelurahan"].queryset = kelurahan  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Complaint.Outcome.choices)
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[("pass", _("The checks pass")), ("fail", _("The checks fail"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Tracking number"), max_length=20)


class VerivaliForm(forms.Form):
    due_on = forms.DateField(
        label=_("Visits due on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    programme = forms.IntegerField(widget=forms.HiddenInput, required=False)
