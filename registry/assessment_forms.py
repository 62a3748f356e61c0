"""Portal forms of the poverty assessment: the 14-parameter answers and a ruleset upload.

The assessment form is built from the active ruleset (parameters and Indonesian option labels
are data); it checks input shape only, the service scores and checks the rules.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import scoring
from registry.models import Assessment
from registry.selectors import parameter_label

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ANSWER_PREFIX = "answer_"
# A ruleset is a few kilobytes; anything far larger is not one.
MAX_RULESET_BYTES = 1_000_000


class AssessmentForm(forms.Form):
    """One radio group per parameter of `rules`, then the source and the date."""

    source = forms.ChoiceField(
        label=_("Source"),
        choices=[
            (Assessment.Source.FIELD_VISIT, Assessment.Source.FIELD_VISIT.label),
            (Assessment.Source.SELF_REPORT, Assessment.Source.SELF_REPORT.label),
        ],
        initial=Assessment.Source.FIELD_VISIT,
        widget=forms.RadioSelect,
    )
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DATE_INPUT)
    # The version the officer saw: if another was activated meanwhile, the answers are shown
    # again under the new version instead of being scored against options they never saw.
    ruleset_version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, rules: scoring.Ruleset, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        self.fields["assessed_on"].initial = timezone.localdate
        self.fields["ruleset_version"].initial = rules.version
        for parameter in rules.parameters:
            self.fields[ANSWER_PREFIX + parameter.code] = forms.ChoiceField(
                label=parameter_label(parameter),
                choices=[(option.code, option.label) for option in parameter.options],
                widget=forms.RadioSelect,
            )
        self.order_fields(
            [ANSWER_PREFIX + parameter.code for parameter in rules.parameters]
            + ["source", "assessed_on"]
        )

    @staticmethod
    def initial_answers(answers: dict[str, str]) -> dict[str, str]:
        """Form initial values from stored answers."""
        return {ANSWER_PREFIX + code: option for code, option in answers.items()}

    def parameter_fields(self) -> list[BoundField]:
        return [self[ANSWER_PREFIX + parameter.code] for parameter in self.rules.parameters]

    def answers(self) -> dict[str, str]:
        return {
            parameter.code: self.cleaned_data[ANSWER_PREFIX + parameter.code]
            for parameter in self.rules.parameters
        }

    def field_for(self, code: str | None) -> str | None:
        """The form field a service refusal's `field` detail points at."""
        if code and ANSWER_PREFIX + code in self.fields:
            return ANSWER_PREFIX + code
        return code if code in self.fields else None


def definition_from_upload(upload: UploadedFile) -> Any:
    """The parsed JSON of an uploaded ruleset file, or a ValidationError saying why not."""
    if upload.size is not None and upload.size > MAX_RULESET_BYTES:
        raise forms.ValidationError(_("The file is too large for a ruleset."))
    try:
        return json.loads(upload.read().decode("utf-8"))
    except UnicodeDecodeError as error:
        raise forms.ValidationError(_("The file is not UTF-8 text.")) from error
    except json.JSONDecodeError as error:
        raise forms.ValidationError(
            _("The file is not valid JSON (line %(line)d, column %(column)d: %(problem)s).")
            % {"line": error.lineno, "column": error.colno, "problem": error.msg}
        ) from error


class RulesetUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Ruleset file (JSON)"),
        help_text=_(
            "Parameters, answer options with points, weights and thresholds, in the shape of "
            "the provisional ruleset. It is loaded as a draft: nothing is scored with it until "
            "it is activated."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        self.cleaned_data["definition"] = definition_from_upload(upload)
        return upload
