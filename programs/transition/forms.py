from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import Programme
from programs.transition.models import Change, ProposalStatus
from registry.forms import choice_field, kelurahan_choices
from registry.models import Kelurahan


class ImpactFilterForm(forms.Form):
    """The quarter (default: the newest computed), a programme and a kelurahan."""

    period = forms.ChoiceField(label=_("DTSEN period"), required=False)
    programme = forms.TypedChoiceField(
        label=_("Programme"), coerce=int, required=False, empty_value=None
    )
    kelurahan = forms.ChoiceField(label=_("Kelurahan"), required=False)

    def __init__(
        self,
        *args: Any,
        periods: Sequence[str],
        programmes: Iterable[Programme],
        kelurahan: Iterable[Kelurahan],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "period").choices = [(p, p) for p in periods]
        choice_field(self, "programme").choices = [
            ("", _("All")),
            *((p.pk, p.name) for p in programmes),
        ]
        choice_field(self, "kelurahan").choices = [("", _("All")), *kelurahan_choices(kelurahan)]


class EntryFilterForm(forms.Form):
    change = forms.ChoiceField(
        label=_("Change"), required=False, choices=[("", _("All")), *Change.choices]
    )
    newly_eligible = forms.BooleanField(label=_("Newly eligible, not enrolled"), required=False)


class ProposalFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *ProposalStatus.choices]
    )


class IdsField(forms.Field):
    """Ids ticked in a list (the service refuses any outside the user's scope)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        if not all(str(v).isdigit() for v in values):
            raise forms.ValidationError(_("Choose proposed exits from the list."))
        return [int(v) for v in values]


class ProposalDecisionForm(forms.Form):
    """One or many proposed exits, approved or rejected with a note."""

    proposals = IdsField(
        label=_("Proposed exits"),
        error_messages={"required": _("Choose at least one proposed exit.")},
    )
    action = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
