"""The hook through which a programme app plugs into the core.

Each programme app (programs/<kind>/) subclasses `ProgrammeKind` and registers it from its
AppConfig.ready(); the core asks the registered kind for the detail form, the extra rules
and what to store, so that it never imports a programme app.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from depok_kds.errors import DomainError
from programs.eligibility import Outcome

if TYPE_CHECKING:
    from depok_kds.models import User
    from programs.models import Application, Cycle, Programme
    from registry.models import Household, Person


@dataclass(frozen=True)
class Candidate:
    """Who is applying for what, as the kind's rules see it."""

    programme: Programme
    cycle: Cycle
    person: Person
    household: Household | None
    channel: str
    detail: Mapping[str, Any]
    on: date
    actor: User | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    application_id: int | None = None  # None for a row of an import


class ProgrammeKind:
    """Defaults for a programme app; override what the programme needs."""

    code: ClassVar[str] = ""
    detail_form: ClassVar[type[forms.Form]] = forms.Form
    # What the technical check records besides its verdict (names of the verification
    # findings): a document checked by default; the RTLH house survey its own conditions.
    technical_findings: ClassVar[tuple[str, ...]] = ("document",)

    def detail_clean(self, detail: Mapping[str, Any]) -> dict[str, Any]:
        """Validate the detail with the programme's form (the same for portal and API)."""
        form = self.detail_form(data=detail)
        if not form.is_valid():
            raise DomainError(
                _("The programme details are incomplete or invalid."),
                code="invalid_detail",
                details=form.errors.get_json_data(),
            )
        return dict(form.cleaned_data)

    def check(self, candidate: Candidate) -> list[Outcome]:
        """Rules of this programme beyond the declarative ones (may read the database)."""
        return []

    def check_many(self, candidates: Sequence[Candidate]) -> list[list[Outcome]]:
        """`check` for each candidate of a list (an import); override to read the database
        once for the whole list."""
        return [self.check(c) for c in candidates]

    def amount(self, candidate: Candidate, requested: Decimal | None) -> Decimal:
        """The amount granted: by default the cycle's amount, or what was requested."""
        return requested if requested is not None else candidate.cycle.amount

    def detail_save(self, *, application: Application, detail: Mapping[str, Any]) -> None:
        """Store the programme's detail row for a new application."""

    def stored_detail(self, application: Application) -> dict[str, Any]:
        """The stored detail as the `detail` mapping `check` reads (for re-evaluation)."""
        return {}

    def detail_rows(self, application: Application) -> list[tuple[Any, Any]]:
        """(label, value) pairs shown on the application page."""
        return []

    def benefit_starts_on(self, application: Application, enrolled_on: date) -> date | None:
        return None

    def exit_effective_on(self, decided_on: date) -> date:
        """When an exit decided on `decided_on` takes effect: by default that day."""
        return decided_on


class DetailModelKind(ProgrammeKind):
    """A kind whose detail is one row of `detail_model` (one-to-one with the application)."""

    detail_model: ClassVar[type[Model]]

    def _fields(self) -> list[Any]:
        return [
            f
            for f in self.detail_model._meta.concrete_fields
            if f.name not in ("id", "application")
        ]

    def detail_save(self, *, application: Application, detail: Mapping[str, Any]) -> None:
        values = {
            f.attname: detail[f.attname]
            for f in self._fields()
            if detail.get(f.attname) is not None
        }
        self.detail_model._default_manager.create(application=application, **values)

    def stored_detail(self, application: Application) -> dict[str, Any]:
        row = self.detail_model._default_manager.filter(application=application).first()
        if row is None:
            return {}
        return {f.attname: getattr(row, f.attname) for f in self._fields()}

    def detail_rows(self, application: Application) -> list[tuple[Any, Any]]:
        row = self.detail_model._default_manager.filter(application=application).first()
        if row is None:
            return []
        rows: list[tuple[Any, Any]] = []
        for f in self._fields():
            value = getattr(row, f.name)
            if f.choices:
                value = getattr(row, f"get_{f.name}_display")()
            elif isinstance(value, bool):
                value = _("yes") if value else _("no")
            rows.append((f.verbose_name, value))
        return rows


_KINDS: dict[str, ProgrammeKind] = {}


def kind_register(kind: ProgrammeKind) -> None:
    _KINDS[kind.code] = kind


def kind_for(code: str) -> ProgrammeKind:
    """The registered programme app; an unknown one is refused, never run without its
    rules (a programme whose app is missing cannot take applications or imports)."""
    kind = _KINDS.get(code)
    if kind is None:
        raise DomainError(
            _("The programme app %(kind)s is not installed; nothing can be decided.")
            % {"kind": code or "-"},
            code="unknown_kind",
        )
    return kind


def detail_value(detail: Mapping[str, Any], name: str, default: Any = None) -> Any:
    return detail.get(name, default)
