"""The upload form of the import pages: it checks the shape; the service checks the file."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
        help_text=_(
            "The first row holds the column names. Type NIK and No. KK as text: a number cell "
            "loses digits."
        ),
    )
