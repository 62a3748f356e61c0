"""The link to another record as the models declare it, written once.

Most links between records are one-way: a history row, a finding or a payment line points
at a person, a household or an enrolment, and nothing reads them back from the other side,
so they have no reverse accessor (`related_name="+"`), and a linked record cannot be
deleted while something points at it (`PROTECT`). Many are optional (not every complaint
names a household; the system, not a person, decides some applications), and the most
common optional link is to the user who did something.

Each deconstructs as a plain `ForeignKey`, so migrations see exactly the field they saw
when it was written out in full; any other option (`db_index`, `db_constraint`,
`help_text`, another `on_delete`) is passed on unchanged. They are `ForeignKey` subclasses
rather than functions returning one so that the type checker's Django plugin still types
each field by the model it links to (and as optional where it is).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import models
from django_stubs_ext import StrOrPromise
from typing_extensions import TypeVar

# With defaults, as `ForeignKey`'s own: the plugin fills them in from the linked model.
_ST = TypeVar("_ST", contravariant=True, default=Any)
_GT = TypeVar("_GT", covariant=True, default=Any)


class Link(models.ForeignKey[_ST, _GT]):
    """A required one-way link to another record."""

    def __init__(
        self,
        to: str | type[models.Model],
        verbose_name: StrOrPromise | None = None,
        *,
        on_delete: Callable[..., None] = models.PROTECT,
        **options: Any,
    ) -> None:
        super().__init__(
            to, on_delete=on_delete, related_name="+", verbose_name=verbose_name, **options
        )

    def deconstruct(self) -> tuple[str, str, Sequence[Any], dict[str, Any]]:
        """As a plain `ForeignKey`: the options set here are all in the keyword arguments."""
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.ForeignKey", args, kwargs

    def clone(self) -> models.ForeignKey[Any, Any]:
        """The plain `ForeignKey` that `deconstruct` describes, as migrations rebuild it."""
        _name, _path, args, kwargs = self.deconstruct()
        return models.ForeignKey(*args, **kwargs)


class OptionalLink(Link[_ST | None, _GT | None]):
    """A one-way link to another record that may be empty, in the database and in forms;
    its arguments are `Link`'s."""

    def __init__(self, *args: Any, **options: Any) -> None:
        super().__init__(*args, null=True, blank=True, **options)


class OptionalUserLink(OptionalLink[_ST, _GT]):
    """The user who did something (or is to do it): empty when the system did it, or none yet."""

    def __init__(self, verbose_name: StrOrPromise | None = None, **options: Any) -> None:
        super().__init__(settings.AUTH_USER_MODEL, verbose_name, **options)
