from django import forms
from django.utils.translation import gettext_lazy as _

from programs.disability_aid.models import Device


class DisabilityAidForm(forms.Form):
    device = forms.ChoiceField(label=_("Device"), choices=Device.choices)
    received_via_csr = forms.BooleanField(
        label=_("Already received this device through CSR"), required=False
    )
