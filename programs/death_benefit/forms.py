from django import forms
from django.utils.translation import gettext_lazy as _

from programs.death_benefit.models import HeirRelationship


class DeathBenefitForm(forms.Form):
    deceased_nik = forms.RegexField(label=_("NIK of the deceased"), regex=r"^[0-9]{16}$")
    death_certificate_number = forms.CharField(label=_("Death certificate number"), max_length=40)
    heir_relationship = forms.ChoiceField(
        label=_("Heir's relationship"), choices=HeirRelationship.choices
    )
    applied_in_person = forms.BooleanField(label=_("The heir applied in person"), required=False)
