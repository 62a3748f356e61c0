"""Declarative eligibility rules: pure functions over plain values, no database.

A programme stores its rules as data, a list of `{"rule": <code>, ...params}`:

    [{"rule": "depok_resident"},
     {"rule": "poverty", "classes": ["miskin", "rentan"], "desil_max": 5},
     {"rule": "age", "min": 60},
     {"rule": "disability"},
     {"rule": "school_level", "levels": ["sd", "smp"]}]

`evaluate(rules, facts)` returns one `Outcome` per rule, passed or not, with an English
message id (translated when shown) and its parameters, so that every application can say
which rule passed or failed and why. Programme apps add outcomes of their own rules in the
same shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext_noop

from registry.nik import age_on

DEPOK_PREFIX = "32.76."


@dataclass(frozen=True)
class Facts:
    """What the rules look at, read from the registry by the caller."""

    on: date
    birth_date: date | None = None
    kelurahan_code: str = ""
    poverty_class: str = ""
    desil: int | None = None
    disability: str = "none"
    is_deceased: bool = False
    school_level: str = ""
    year: int | None = None  # the cycle's year (rules that apply from a year on)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def age(self) -> int | None:
        return None if self.birth_date is None else age_on(self.birth_date, self.on)


@dataclass(frozen=True)
class Outcome:
    rule: str
    passed: bool
    message: str  # English msgid, marked with gettext_noop; translate when shown
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str]) -> str:
        return translate(self.message) % self.params if self.params else translate(self.message)


class RuleError(ValueError):
    """A programme's rule list is malformed (unknown rule or missing parameter)."""


Check = Callable[[Mapping[str, Any], Facts], Outcome]


def _depok_resident(rule: Mapping[str, Any], facts: Facts) -> Outcome:
    if facts.kelurahan_code.startswith(DEPOK_PREFIX):
        return Outcome("depok_resident", True, gettext_noop("The KK address is in Depok."))
    return Outcome("depok_resident", False, gettext_noop("The KK address is not in Depok."))


def _alive(rule: Mapping[str, Any], facts: Facts) -> Outcome:
    if facts.is_deceased:
        return Outcome("alive", False, gettext_noop("The person is recorded as deceased."))
    return Outcome("alive", True, gettext_noop("The person is alive."))


def poverty_applies(rule: Mapping[str, Any], year: int | None) -> bool:
    """Whether a poverty rule binds in a cycle year (`from_year`: KIS PBI-APBD targets DTSEN
    desil 1-5 from 2026; before, a Depok address was enough)."""
    from_year = rule.get("from_year")
    return from_year is None or year is None or year >= int(from_year)


def poverty_holds(rule: Mapping[str, Any], *, desil: int | None, poverty_class: str) -> bool:
    """Poor by the local class, or within a DTSEN desil (either suffices when both are set).
    Detection's inclusion- and exclusion-error SQL is `POVERTY_SQL`, the same test."""
    classes = list(rule.get("classes", []))
    desil_max = rule.get("desil_max")
    by_class = bool(classes) and poverty_class in classes
    by_desil = desil_max is not None and desil is not None and desil <= desil_max
    return by_class or by_desil


# `poverty_holds` in SQL over a household `h` and a targeting row `t` (desil_max, classes).
POVERTY_SQL = (
    "((t.desil_max IS NOT NULL AND h.desil IS NOT NULL AND h.desil <= t.desil_max)"
    " OR h.poverty_class = ANY(string_to_array(t.classes, ',')))"
)


def _poverty(rule: Mapping[str, Any], facts: Facts) -> Outcome:
    """Poor by the local class, or within a DTSEN desil (either suffices when both are set)."""
    classes = list(rule.get("classes", []))
    desil_max = rule.get("desil_max")
    if not classes and desil_max is None:
        raise RuleError("poverty needs classes or desil_max")
    if not poverty_applies(rule, facts.year):
        return Outcome(
            "poverty",
            True,
            gettext_noop("DTSEN desil targeting applies from %(from_year)s."),
            {"from_year": rule.get("from_year")},
        )
    params = {
        "classes": ", ".join(classes) or "-",
        "desil_max": desil_max if desil_max is not None else "-",
        "poverty_class": facts.poverty_class or "-",
        "desil": facts.desil if facts.desil is not None else "-",
    }
    by_desil = poverty_holds({"desil_max": desil_max}, desil=facts.desil, poverty_class="")
    if by_desil:
        return Outcome(
            "poverty",
            True,
            gettext_noop("DTSEN desil %(desil)s is within 1-%(desil_max)s."),
            params,
        )
    if poverty_holds({"classes": classes}, desil=None, poverty_class=facts.poverty_class):
        return Outcome(
            "poverty",
            True,
            gettext_noop("Poverty class %(poverty_class)s is one of %(classes)s."),
            params,
        )
    return Outcome(
        "poverty",
        False,
        gettext_noop(
            "Not poor enough: desil %(desil)s (needed 1-%(desil_max)s), "
            "class %(poverty_class)s (needed %(classes)s)."
        ),
        params,
    )


def _age(rule: Mapping[str, Any], facts: Facts) -> Outcome:
    low, high = rule.get("min"), rule.get("max")
    if low is None and high is None:
        raise RuleError("age needs min or max")
    age = facts.age
    params = {"age": age if age is not None else "-", "min": low or 0, "max": high or "-"}
    ok = age is not None and (low is None or age >= low) and (high is None or age <= high)
    if ok:
        return Outcome("age", True, gettext_noop("Age %(age)s is within the limits."), params)
    return Outcome(
        "age", False, gettext_noop("Age %(age)s is outside %(min)s-%(max)s years."), params
    )


def _disability(rule: Mapping[str, Any], facts: Facts) -> Outcome:
    if facts.disability and facts.disability != "none":
        return Outcome(
            "disability",
            True,
            gettext_noop("Has a recorded disability (%(kind)s)."),
            {"kind": facts.disability},
        )
    return Outcome("disability", False, gettext_noop("No disability is recorded."))


def _school_level(rule: Mapping[str, Any], facts: Facts) -> Outcome:
    levels = list(rule.get("levels", []))
    if not levels:
        raise RuleError("school_level needs levels")
    params = {"level": facts.school_level or "-", "levels": ", ".join(levels)}
    if facts.school_level in levels:
        return Outcome("school_level", True, gettext_noop("School level %(level)s fits."), params)
    return Outcome(
        "school_level",
        False,
        gettext_noop("School level %(level)s is not one of %(levels)s."),
        params,
    )


def _elderly_or_disabled(rule: Mapping[str, Any], facts: Facts) -> Outcome:
    age_min = int(rule.get("age_min", 60))
    age = facts.age
    if age is not None and age >= age_min:
        return Outcome(
            "elderly_or_disabled",
            True,
            gettext_noop("Elderly: %(age)s years old."),
            {"age": age},
        )
    if facts.disability and facts.disability != "none":
        return Outcome("elderly_or_disabled", True, gettext_noop("Has a recorded disability."))
    return Outcome(
        "elderly_or_disabled",
        False,
        gettext_noop("Neither elderly (%(age_min)s+) nor with a recorded disability."),
        {"age_min": age_min},
    )


CHECKS: dict[str, Check] = {
    "depok_resident": _depok_resident,
    "alive": _alive,
    "poverty": _poverty,
    "age": _age,
    "disability": _disability,
    "school_level": _school_level,
    "elderly_or_disabled": _elderly_or_disabled,
}


def validate_rules(rules: Sequence[Mapping[str, Any]]) -> None:
    """Raise RuleError if a rule list cannot be evaluated (checked when a programme is saved)."""
    probe = Facts(on=date(2026, 1, 1))
    for rule in rules:
        code = rule.get("rule")
        if code not in CHECKS:
            raise RuleError(f"unknown rule {code!r}")
        CHECKS[code](rule, probe)


def evaluate(rules: Sequence[Mapping[str, Any]], facts: Facts) -> list[Outcome]:
    """One outcome per rule, in the programme's order."""
    outcomes = []
    for rule in rules:
        code = rule.get("rule")
        if code not in CHECKS:
            raise RuleError(f"unknown rule {code!r}")
        outcomes.append(CHECKS[code](rule, facts))
    return outcomes


def failed(outcomes: Sequence[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if not o.passed]
