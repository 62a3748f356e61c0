"""The shared link fields are, to migrations, the `ForeignKey` each used to be written as."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from distribution.cards.models import Card
from distribution.models import Line
from registry.dukcapil.models import MatchOutcome


def _plain(field: Any) -> tuple[str, dict[str, Any]]:
    _name, path, args, kwargs = field.deconstruct()
    assert not args
    return path, kwargs


def test_a_link_deconstructs_as_a_plain_foreign_key_with_every_option() -> None:
    path, kwargs = _plain(Card._meta.get_field("household"))
    assert path == "django.db.models.ForeignKey"
    assert str(kwargs.pop("verbose_name")) == str(_("household"))
    assert kwargs == {"to": "registry.household", "on_delete": models.PROTECT, "related_name": "+"}


def test_an_optional_link_may_be_empty_and_keeps_the_options_passed_on() -> None:
    path, kwargs = _plain(Line._meta.get_field("household"))
    assert path == "django.db.models.ForeignKey"
    assert kwargs == {
        "to": "registry.household",
        "on_delete": models.PROTECT,
        "null": True,
        "blank": True,
        "related_name": "+",
        "db_index": False,
        "db_constraint": False,
    }


def test_a_user_link_is_an_optional_link_to_the_user_model() -> None:
    field = MatchOutcome._meta.get_field("reviewed_by")
    path, kwargs = _plain(field)
    assert path == "django.db.models.ForeignKey"
    assert (kwargs["to"], kwargs["null"], kwargs["blank"], kwargs["db_index"]) == (
        "depok_kds.user",
        True,
        True,
        False,
    )
    assert field.swappable_setting == "AUTH_USER_MODEL"


def test_a_clone_is_the_plain_foreign_key_that_migrations_build() -> None:
    field = Card._meta.get_field("student")
    clone = field.clone()
    assert type(clone) is models.ForeignKey
    assert clone.deconstruct()[1:] == field.deconstruct()[1:]
