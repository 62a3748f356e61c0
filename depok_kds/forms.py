from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.accounts import login_failure_record, login_paused_until, login_success_record
from depok_kds.errors import DomainError


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's login form, pausing an address and account name after repeated failures
    (`depok_kds.accounts`): the same answers whether the account exists or not."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong username or password. Capital and small letters count."),
        "paused": _("Too many failed logins. Logging in from here is paused until %(until)s."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if until := login_paused_until(address=address, username=username):
            raise self._paused(until)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username and (until := login_failure_record(address=address, username=username)):
                raise self._paused(until) from None
            raise
        login_success_record(address=address, username=username)
        return cleaned

    def _paused(self, until: datetime) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["paused"],
            code="paused",
            params={"until": formats.time_format(timezone.localtime(until), "H:i")},
        )


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
def refusals_on(
    form: forms.Form,
    field: str | None = None,
    *,
    field_for: Callable[[str | None], str | None] | None = None,
    members: Sequence[forms.Form] = (),
) -> Iterator[None]:
    """A use case refused inside the block becomes an error on `form`, so the page can be
    rendered again with what the user typed (the middleware's redirect would lose it).

    The refusal lands on `field` when given, else on the field the error names in its
    details (``{"field": ...}``, read through `field_for` where the form names its fields
    otherwise), else at the top of the form. A refusal naming one of several rows
    (``{"member": i}``) lands on that field of the i-th of `members`. Each reason listed in
    the details (``{"errors": [...]}``) is shown on its own, else the message. A browser
    cannot fill a file input again, so each file that was chosen gets a word that it must be
    chosen again.
    """
    try:
        yield
    except DomainError as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        named = details.get("field")
        if field_for is not None:
            named = field_for(named)
        where, target = form, next((f for f in (field, named) if f and f in form.fields), None)
        member = details.get("member")
        if (
            isinstance(member, int)
            and 0 <= member < len(members)
            and named in members[member].fields
        ):
            where, target = members[member], named
        reasons = details.get("errors") or [exc.message]
        for reason in reasons:
            where.add_error(target, str(reason))
        file_again(form)


FILE_AGAIN = _("Choose the file again: a browser does not keep a chosen file.")


def file_again(form: forms.Form) -> None:
    """Say at each chosen file of a refused `form` that it must be chosen again."""
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField) and form.files.get(form.add_prefix(name)):
            form.add_error(name, FILE_AGAIN)
