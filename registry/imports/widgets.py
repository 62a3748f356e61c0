"""Cells and rows for the admin's import-export resources (`registry.resources`).

Widgets clean one cell with the portal import's own parsers (`registry.imports.values`,
`members`), so the admin refuses exactly what the portal refuses, with the same message;
instance loaders find the registered rows of a whole file with one or two queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from import_export.instance_loaders import BaseInstanceLoader
from import_export.widgets import Widget

from registry.imports import members
from registry.imports.readers import cell_text
from registry.imports.values import (
    CellError,
    identifier_kk,
    identifier_nik,
    parse_date,
    parse_period,
    require,
)
from registry.models import DesilRecord, Household, Person
from registry.nik import today_wib

HEAD = Person.Relationship.HEAD


def cell(value: Any) -> tuple[str, bool]:
    """A cell as tablib hands it over (text from CSV; numbers and dates from XLSX)."""
    return cell_text(value)


class ParsedWidget(Widget):  # type: ignore[misc]  # untyped library
    """Cleans a cell with one of the portal import's parsers; a refusal is the row's error."""

    def __init__(self, parse: Callable[[str], Any], show: Callable[[Any], str] = str) -> None:
        super().__init__(coerce_to_string=True)
        self.parse = parse
        self.show = show

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        text, _number = cell(value)
        try:
            return self.parse(text)
        except CellError as error:
            raise ValueError(error.message) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else self.show(value)


class NikWidget(Widget):  # type: ignore[misc]  # untyped library
    """A NIK, text only: one stored as a spreadsheet number is refused (digits may be lost)."""

    def __init__(self, *, required: bool = True, empty: str | None = "") -> None:
        super().__init__(coerce_to_string=True)
        self.required = required
        self.empty = empty

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        text, number = cell(value)
        if not self.required and not text.strip() and not number:
            return self.empty
        try:
            return identifier_nik(text, numeric=number, today=today_wib()).nik
        except CellError as error:
            raise ValueError(error.message) from None

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value or ""


class KkWidget(NikWidget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        text, number = cell(value)
        if not self.required and not text.strip() and not number:
            return self.empty
        try:
            return identifier_kk(text, numeric=number, today=today_wib()).kk
        except CellError as error:
            raise ValueError(error.message) from None


class HouseholdByKkWidget(KkWidget):
    """The household holding the row's No. KK (created by `before_import` when new)."""

    def __init__(self) -> None:
        super().__init__(required=True)
        self.households: dict[str, Household] = {}
        self.problems: dict[str, str] = {}
        self._numbers: dict[int, str] = {}

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        kk = str(super().clean(value, row, **kwargs))
        if kk in self.problems:
            raise ValueError(self.problems[kk])
        return self.households[kk]

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        if value is None or value.pk is None:  # none, or a new family not registered yet
            return ""
        # The file's own households are known by their No. KK: no query per row.
        if len(self._numbers) != len(self.households):
            self._numbers = {h.pk: kk for kk, h in self.households.items()}
        if value.pk in self._numbers:
            return self._numbers[value.pk]
        cards = getattr(value, "open_cards", None)
        if cards is None:
            cards = list(value.family_cards.filter(valid_to__isnull=True))
        return cards[0].number if cards else ""


class PersonInstanceLoader(BaseInstanceLoader):  # type: ignore[misc]  # untyped library
    """The registered persons of the file, found with two queries: by NIK, and a member
    without a NIK by the same normalised name and birth date in the family's household
    (as the portal import matches them), so that re-importing a file changes nothing."""

    def __init__(self, resource: Any, dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        rows = dataset.dict if dataset else []
        niks = {nik for row in rows if (nik := nik_of(row))}
        self.persons = {p.nik: p for p in Person.objects.filter(nik__in=niks)}
        households: dict[str, Household] = resource.household_widget.households
        keys = {key for row in rows if (key := member_key(row, households))}
        self.members = {
            (p.household_id, p.name_normalized, p.birth_date): p
            for p in Person.objects.filter(
                household_id__in={household for household, _name, _born in keys},
                nik__isnull=True,
            )
        }
        self.households = households

    def get_instance(self, row: Any) -> Person | None:
        nik = nik_of(row)
        if nik:
            return self.persons.get(nik)
        key = member_key(row, self.households)
        return self.members.get(key) if key else None


def nik_of(row: dict[str, Any]) -> str | None:
    try:
        return NikWidget(required=False, empty=None).clean(row.get("nik"))
    except ValueError:
        return None


def member_key(
    row: dict[str, Any], households: dict[str, Household]
) -> tuple[int, str, Any] | None:
    """(household id, normalised name, birth date) of a row without a NIK."""
    if cell(row.get("nik"))[0].strip():
        return None
    try:
        kk = str(KkWidget().clean(row.get("no_kk")))
        name = members.parse_name(cell(row.get("nama"))[0])[1]
        born = parse_date(cell(row.get("tanggal_lahir"))[0], today=today_wib())
    except (CellError, ValueError):
        return None
    household = households.get(kk)
    return (household.pk, name, born) if household is not None else None


def is_head(row: dict[str, Any]) -> bool:
    try:
        return members.parse_relationship(cell(row.get("hubungan"))[0]) == HEAD
    except CellError:
        return False


class DesilInstanceLoader(BaseInstanceLoader):  # type: ignore[misc]  # untyped library
    """Existing rankings of the file's periods, found with one query, keyed like the
    unique constraint (period, NIK, No. KK)."""

    def __init__(self, resource: Any, dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        keys = {key for row in (dataset.dict if dataset else []) if (key := desil_key(row))}
        self.records = {
            (r.period, r.nik, r.kk_number): r
            for r in desil_records(keys)
            if (r.period, r.nik, r.kk_number) in keys
        }

    def get_instance(self, row: Any) -> DesilRecord | None:
        key = desil_key(row)
        return self.records.get(key) if key else None


def desil_records(keys: set[tuple[str, str, str]]) -> QuerySet[DesilRecord]:
    """The stored rankings that may share a key with `keys` (by period, and NIK or No. KK)."""
    periods = {period for period, _nik, _kk in keys}
    niks = {nik for _period, nik, _kk in keys if nik}
    kks = {kk for _period, _nik, kk in keys if kk}
    # "Given" as the partial index on No. KK says: the planner proves nothing from a list.
    return DesilRecord.objects.filter(
        Q(nik__in=niks) | (Q(kk_number__in=kks) & ~Q(kk_number="")), period__in=periods
    )


def desil_key(row: dict[str, Any]) -> tuple[str, str, str] | None:
    try:
        today = today_wib()
        period = parse_period(require(cell(row.get("periode"))[0]), today=today)
        nik = NikWidget(required=False).clean(row.get("nik"))
        kk = KkWidget(required=False).clean(row.get("no_kk"))
    except (CellError, ValueError):
        return None
    return (period, nik or "", kk or "")
