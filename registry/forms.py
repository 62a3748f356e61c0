"""Portal forms of the registry: they check input shape; the services check the rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Household, Kelurahan, Person
from registry.services import MemberData
from registry.services.common import NIK_MISSING_REASON_MAX

BLANK = [("", "---------")]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def kelurahan_choices(kelurahan: Iterable[Kelurahan]) -> list[tuple[str, str]]:
    return [(k.code, f"{k.name} ({k.kecamatan.name})") for k in kelurahan]


def choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(
        label=_("NIK, No. KK, registry no. or name"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    kelurahan = forms.ChoiceField(label=_("Kelurahan"), required=False)
    rw = forms.IntegerField(label=_("RW"), required=False, min_value=1, max_value=999)
    rt = forms.IntegerField(label=_("RT"), required=False, min_value=1, max_value=999)
    desil_max = forms.IntegerField(
        label=_("Desil up to"), required=False, min_value=1, max_value=10
    )
    # Narrowing a name search: the year or date of birth of the person named, part of the
    # street address.
    born = forms.CharField(
        label=_("Born (year or date)"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "1985"}),
    )
    address = forms.CharField(label=_("Part of the address"), required=False, max_length=100)

    def __init__(self, *args: Any, kelurahan: QuerySet[Kelurahan], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = list(kelurahan)
        kecamatan = sorted({(k.kecamatan_id, k.kecamatan.name) for k in rows})
        choice_field(self, "kecamatan").choices = [("", _("All")), *kecamatan]
        choice_field(self, "kelurahan").choices = [("", _("All")), *kelurahan_choices(rows)]
        # "class" is the query parameter's name; it cannot be a class attribute.
        self.fields["class"] = forms.ChoiceField(
            label=_("Poverty class"),
            required=False,
            choices=[("", _("All")), *Household.PovertyClass.choices],
        )
        self.order_fields(
            ["q", "born", "kecamatan", "kelurahan", "rw", "rt", "address", "class", "desil_max"]
        )

    def clean_born(self) -> date | int | None:
        """A year (1900 to this year) or a date (2026-12-06 or 6-12-2026)."""
        text = self.cleaned_data.get("born", "").strip()
        if not text:
            return None
        if text.isdigit() and len(text) == 4 and 1900 <= int(text) <= timezone.localdate().year:
            return int(text)
        for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
            try:
                return datetime.strptime(text, pattern).date()  # noqa: DTZ007
            except ValueError:
                continue
        raise forms.ValidationError(_("Enter a year such as 1985 or a date such as 31-12-1985."))

    def filters(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of `household_list`."""
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "kecamatan": data.get("kecamatan") or "",
            "kelurahan": data.get("kelurahan") or "",
            "rw": data.get("rw"),
            "rt": data.get("rt"),
            "poverty_class": data.get("class") or "",
            "desil_max": data.get("desil_max"),
            # A date as text: the filters are also kept in an export job's parameters (JSON).
            "born": born.isoformat() if isinstance(born := data.get("born"), date) else born,
            "address": data.get("address") or "",
        }


class HouseholdForm(forms.Form):
    kelurahan_code = forms.ChoiceField(label=_("Kelurahan"))
    rw = forms.IntegerField(label=_("RW"), min_value=1, max_value=999)
    rt = forms.IntegerField(label=_("RT"), min_value=1, max_value=999)
    address = forms.CharField(label=_("Street address"), max_length=255)
    # Not shape-checked here: the service explains a bad number the way clerks need.
    kk_number = forms.CharField(label=_("No. KK"), max_length=40)

    def __init__(self, *args: Any, kelurahan: QuerySet[Kelurahan], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "kelurahan_code").choices = [*BLANK, *kelurahan_choices(kelurahan)]


class MemberForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=40,
        help_text=_("Leave empty for a newborn without a NIK yet."),
    )
    nik_missing_reason = forms.CharField(
        label=_("Why there is no NIK"),
        required=False,
        max_length=NIK_MISSING_REASON_MAX,
        help_text=_("Needed when a member aged 17 or older has no NIK."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), choices=[*BLANK, *Person.Sex.choices])
    birth_place = forms.CharField(label=_("Place of birth"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), widget=DATE_INPUT)
    relationship = forms.ChoiceField(
        label=_("Relationship to head"), choices=[*BLANK, *Person.Relationship.choices]
    )
    marital_status = forms.ChoiceField(
        label=_("Marital status"), choices=[*BLANK, *Person.MaritalStatus.choices]
    )
    education = forms.ChoiceField(label=_("Education"), choices=[*BLANK, *Person.Education.choices])
    occupation = forms.CharField(label=_("Occupation"), max_length=100, required=False)
    disability = forms.ChoiceField(
        label=_("Disability"), choices=Person.Disability.choices, initial=Person.Disability.NONE
    )

    def member_data(self) -> MemberData:
        return member_data(self.cleaned_data)


def member_data(data: Mapping[str, Any]) -> MemberData:
    """A member's cleaned form values as the registry services take them."""
    return MemberData(
        nik=data["nik"] or None,
        full_name=data["full_name"],
        sex=data["sex"],
        birth_place=data["birth_place"],
        birth_date=data["birth_date"],
        relationship=data["relationship"],
        marital_status=data["marital_status"],
        education=data["education"],
        occupation=data["occupation"],
        disability=data["disability"],
        nik_missing_reason=data.get("nik_missing_reason") or "",
    )


# Untouched extra rows are skipped, so a family of any size up to the rows shown fits.
MemberFormSet = forms.formset_factory(
    MemberForm, extra=5, min_num=1, validate_min=True, max_num=30, validate_max=True
)
