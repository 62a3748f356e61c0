from django import forms
from django.utils.translation import gettext_lazy as _

from programs.kis_pbi.models import JknSegment


class KisPbiForm(forms.Form):
    jkn_segment = forms.ChoiceField(label=_("Current JKN segment"), choices=JknSegment.choices)
    faskes = forms.CharField(label=_("First-level health facility"), max_length=120, required=False)
