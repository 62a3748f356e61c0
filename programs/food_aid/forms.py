from django import forms
from django.utils.translation import gettext_lazy as _


class FoodAidForm(forms.Form):
    outlet = forms.CharField(label=_("Food outlet (gerai pangan)"), max_length=120)
    collector_nik = forms.RegexField(
        label=_("NIK of the family member who collects (optional)"),
        regex=r"^[0-9]{16}$",
        required=False,
    )
