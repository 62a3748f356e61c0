"""The overlap rules, declared once: code, what it means (Indonesian through gettext) and a
short name, severity, whether an open finding blocks approval, and whether it concerns the
beneficiary as a whole (then it blocks their applications in every programme).

The SQL that finds each rule's cases is in `programs.overlap.detection`, keyed by code.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


@dataclass(frozen=True)
class RuleSpec:
    code: str
    description: str | Promise
    severity: Severity
    blocks: bool
    # True: the finding is about the person/household, not one programme's enrolment, so it
    # blocks their applications to every programme.
    whole_beneficiary: bool = False
    # A short name, for charts and lists where the description is too long.
    label: str | Promise = ""


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "duplicate_enrolment",
        _("The same household is enrolled twice in one programme cycle."),
        Severity.HIGH,
        True,
        label=_("Duplicate enrolment"),
    ),
    RuleSpec(
        "same_benefit_kind",
        _("Enrolled in two programmes giving the same kind of benefit in the same year."),
        Severity.HIGH,
        True,
        label=_("Same kind of benefit twice"),
    ),
    RuleSpec(
        "exclusive_programmes",
        _("Enrolled in two programmes that exclude each other in the same year."),
        Severity.HIGH,
        True,
        label=_("Programmes that exclude each other"),
    ),
    RuleSpec(
        "national_list",
        _("Enrolled in a city programme while on a national recipient list it excludes."),
        Severity.HIGH,
        True,
        label=_("On an excluding national list"),
    ),
    RuleSpec(
        "frequency_limit",
        _("Enrolled again before the programme's no-repeat period ended."),
        Severity.HIGH,
        True,
        label=_("Enrolled again too soon"),
    ),
    RuleSpec(
        "person_two_households",
        _("The same person appears as a member of two households."),
        Severity.HIGH,
        True,
        whole_beneficiary=True,
        label=_("Member of two households"),
    ),
    RuleSpec(
        "list_nik_conflict",
        _("One NIK is used by two persons or two family cards in the imported lists."),
        Severity.MEDIUM,
        True,
        whole_beneficiary=True,
        label=_("One NIK, two persons or cards"),
    ),
    RuleSpec(
        "deceased_recipient",
        _("A deceased person has an active enrolment or a benefit not yet delivered."),
        Severity.HIGH,
        True,
        whole_beneficiary=True,
        label=_("Deceased recipient"),
    ),
    RuleSpec(
        "moved_out_recipient",
        _("A person who moved out of Depok has an active enrolment or a pending benefit."),
        Severity.HIGH,
        True,
        whole_beneficiary=True,
        label=_("Recipient moved out of Depok"),
    ),
    RuleSpec(
        "inclusion_error",
        _("Inclusion error: the household is not poor by this programme's targeting rules."),
        Severity.MEDIUM,
        False,
        label=_("Inclusion error"),
    ),
    RuleSpec(
        "exclusion_error",
        _("Exclusion error: a poor household (miskin or desil 1-5) receives no programme."),
        Severity.MEDIUM,
        False,
        label=_("Exclusion error"),
    ),
    RuleSpec(
        "household_cap",
        _("The household's benefits in one year exceed the city's cap."),
        Severity.MEDIUM,
        True,
        whole_beneficiary=True,
        label=_("Household over the yearly cap"),
    ),
)

RULES_BY_CODE: dict[str, RuleSpec] = {r.code: r for r in RULES}
RULE_CHOICES: list[tuple[str, str]] = [(r.code, r.code) for r in RULES]
WHOLE_BENEFICIARY_RULES: list[str] = [r.code for r in RULES if r.whole_beneficiary]


def rule_spec(code: str) -> RuleSpec:
    return RULES_BY_CODE[code]
