from django import forms
from django.utils.translation import gettext_lazy as _


class RtlhForm(forms.Form):
    owner_first_house = forms.BooleanField(label=_("The owner's first house"), required=False)
    land_and_building_in_owner_name = forms.BooleanField(
        label=_("Land and building in the owner's name"), required=False
    )
    in_dispute = forms.BooleanField(label=_("Land or building in dispute"), required=False)
    damage_from_disaster = forms.BooleanField(
        label=_("Damage caused by a disaster"), required=False
    )
    no_sale_within_three_years = forms.BooleanField(
        label=_("Owner undertakes not to sell within 3 years"), required=False
    )
    roof_damaged = forms.BooleanField(label=_("Roof damaged"), required=False)
    floor_damaged = forms.BooleanField(label=_("Floor damaged"), required=False)
    walls_damaged = forms.BooleanField(label=_("Walls damaged"), required=False)
    partner_shop = forms.CharField(label=_("Partner building-material shop"), max_length=150)
