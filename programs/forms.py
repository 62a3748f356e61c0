from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import Application, Enrolment


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
    kecamatan = forms.CharField(required=False, label=_("Kecamatan"))
    kelurahan = forms.CharField(required=False, label=_("Kelurahan"))
