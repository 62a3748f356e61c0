from django import forms
from django.utils.translation import gettext_lazy as _


class TrainingForm(forms.Form):
    ak1_number = forms.RegexField(
        label=_("AK1 (job-seeker card) number"), regex=r"^[0-9A-Za-z./\-]{4,30}$", max_length=30
    )
    course = forms.CharField(label=_("Course"), max_length=120)


class AttendanceForm(forms.Form):
    sessions_attended = forms.IntegerField(label=_("Sessions attended"), min_value=0, max_value=500)
    completed = forms.BooleanField(label=_("Completed the course"), required=False)
