"""Forms for changing a household on its page: each maps onto one registry service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from registry.forms import DATE_INPUT, HouseholdForm, choice_field
from registry.models import Person

RELATIONSHIPS_BUT_HEAD = [
    (value, label) for value, label in Person.Relationship.choices if value != "1"
]


class AddressForm(HouseholdForm):
    kk_number = None  # type: ignore[assignment]  # the No. KK changes via FamilyCardForm


class FamilyCardForm(forms.Form):
    kk_number = forms.CharField(label=_("New No. KK"), max_length=40)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE_INPUT)


class RemoveMemberForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
    moved_out_on = forms.DateField(label=_("Moved out on"), required=False, widget=DATE_INPUT)


class MoveMemberForm(forms.Form):
    to_household = forms.CharField(
        label=_("To household"),
        max_length=40,
        help_text=_("The registry number (KDS-…) or the current No. KK of the household."),
    )
    relationship = forms.ChoiceField(
        label=_("Relationship to head"), choices=RELATIONSHIPS_BUT_HEAD
    )


class DeathForm(forms.Form):
    death_date = forms.DateField(label=_("Date of death"), widget=DATE_INPUT)


class HeadChangeForm(forms.Form):
    previous_head_relationship = forms.ChoiceField(
        label=_("New relationship of the previous head"),
        choices=RELATIONSHIPS_BUT_HEAD,
        required=False,
    )


class SplitForm(forms.Form):
    """Members leaving with a new No. KK; one of them heads the new household."""

    person_ids = forms.MultipleChoiceField(
        label=_("Members who leave"), widget=forms.CheckboxSelectMultiple
    )
    head_id = forms.ChoiceField(label=_("Head of the new household"))
    kk_number = forms.CharField(label=_("New No. KK"), max_length=40)
    address = forms.CharField(label=_("New street address"), max_length=255, required=False)
    rw = forms.IntegerField(label=_("RW"), min_value=1, max_value=999, required=False)
    rt = forms.IntegerField(label=_("RT"), min_value=1, max_value=999, required=False)

    def __init__(self, *args: Any, members: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(p.pk), p.full_name) for p in members if not p.is_deceased]
        choice_field(self, "person_ids").choices = choices
        choice_field(self, "head_id").choices = choices
