"""Portal forms of KDS cards: they check input shape (and a number's check digit)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distribution.cards.models import Card
from distribution.cards.numbers import CardNumberError, card_number_parse

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NUMBER_ERRORS = {
    "format": _("A KDS card number has 12 digits."),
    "check_digit": _("This is not a valid KDS card number: a digit is mistyped (check digit)."),
    "kind": _("This is not a valid KDS card number: it starts with 1 or 2."),
}


def kelurahan_field(choices: list[tuple[str, str]], *, required: bool) -> forms.ChoiceField:
    blank = [] if required else [("", _("All"))]
    return forms.ChoiceField(label=_("Kelurahan"), choices=[*blank, *choices], required=required)


class CardNumberField(forms.CharField):
    """A typed card number; a wrong length or check digit is refused at once."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Card number"))
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        if not text:
            return ""
        try:
            return card_number_parse(text).number
        except CardNumberError as exc:
            raise forms.ValidationError(NUMBER_ERRORS[exc.code], code=exc.code) from exc


class CardFilterForm(forms.Form):
    number = CardNumberField(required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("All")), *Card.State.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Card type"), choices=[("", _("All")), *Card.Kind.choices], required=False
    )

    def __init__(self, *args: Any, kelurahan: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kelurahan"] = kelurahan_field(kelurahan, required=False)
        self.order_fields(["number", "kelurahan", "state", "kind"])


class KelurahanForm(forms.Form):
    def __init__(self, *args: Any, kelurahan: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kelurahan"] = kelurahan_field(kelurahan, required=True)


class HandOverForm(forms.Form):
    received_by = forms.CharField(label=_("Received by (name)"), max_length=150)
    on = forms.DateField(label=_("Handed over on"), widget=DATE_INPUT, initial=timezone.localdate)


class ReplaceForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Card.ReplaceReason.choices)


class RevokeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=Card.RevokeReason.choices)


class RequestForm(forms.Form):
    kind = forms.ChoiceField(choices=Card.Kind.choices)
    household = forms.IntegerField(required=False, min_value=1)
    student = forms.IntegerField(required=False, min_value=1)


class VerifyLookupForm(forms.Form):
    """The API's query: a card number or a token from a QR code."""

    number = CardNumberField(required=False)
    token = forms.CharField(required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("number")) == bool(data.get("token")):
            raise forms.ValidationError(_("Give a card number or a token, not both."))
        return data
