from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.accounts import login_failure_record, login_success_record, user_locked_until
from depok_kds.errors import DomainError
from depok_kds.models import User


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's login form, refusing locked accounts and counting failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        # Django's own names the username field twice in Indonesian ("nama pengguna").
        "invalid_login": _("The username or password is wrong. Both are case-sensitive."),
        "locked": _(
            "This account is locked after too many failed logins. Try again after %(until)s "
            "or ask a Dinsos administrator to unlock it."
        ),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        user = User.objects.filter(username__iexact=username).first() if username else None
        if user is not None and (until := user_locked_until(user)):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"until": formats.time_format(timezone.localtime(until), "H:i")},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            failed = login_failure_record(username=username) if username else None
            if failed is not None and (until := user_locked_until(failed)):
                raise forms.ValidationError(
                    self.error_messages["locked"],
                    code="locked",
                    params={"until": formats.time_format(timezone.localtime(until), "H:i")},
                ) from None
            raise
        login_success_record(user=self.get_user())
        return cleaned


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("User"), required=False)
    target_type = forms.CharField(label=_("Record type"), required=False)
    target_id = forms.CharField(label=_("Record id"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DemoJobForm(forms.Form):
    n = forms.IntegerField(label=_("Count to"), min_value=1, max_value=1000, initial=20)


@contextmanager
def refusals_on(form: forms.Form, field: str | None = None) -> Iterator[None]:
    """A use case refused inside the block becomes an error on `form`, so the page can be
    rendered again with what the user typed (the middleware's redirect would lose it).

    The refusal lands on `field` when given, else on the field the error names in its
    details (``{"field": ...}``), else at the top of the form.
    """
    try:
        yield
    except DomainError as exc:
        named = exc.details.get("field") if isinstance(exc.details, dict) else None
        target = next((f for f in (field, named) if f and f in form.fields), None)
        form.add_error(target, str(exc.message))
