from django import forms
from django.utils.translation import gettext_lazy as _

from programs.education.models import Level


class EducationForm(forms.Form):
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    school_name = forms.CharField(label=_("School or campus"), max_length=150)
    school_is_private = forms.BooleanField(label=_("Private school"), required=False)
    grade = forms.IntegerField(label=_("Grade or semester"), min_value=1, max_value=14)
    student_number = forms.RegexField(
        label=_("NISN or student number"), regex=r"^[0-9A-Za-z.\-]{4,20}$", max_length=20
    )
