"""The cells of a member row (households import): spellings accepted for each coded value.

Stored values are the models' choices; Dukcapil's labels and codes are accepted too, so that
a SIAK export or a kelurahan spreadsheet imports without retyping.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from depok_kds.errors import DomainError
from registry.imports.values import (
    CellError,
    choice_lookup,
    limit,
    parse_choice,
    parse_whole,
    require,
)
from registry.models import Person
from registry.models.household import RT_RW_MAX
from registry.models.person import NAME_MAX, name_key
from registry.services.common import NIK_MISSING_REASON_MAX, nik_missing_reason_check

SEXES = choice_lookup(
    [
        (Person.Sex.MALE, ("L", "laki-laki", "lk", "pria", "1")),
        (Person.Sex.FEMALE, ("P", "perempuan", "pr", "wanita", "2")),
    ]
)
RELATIONSHIPS = choice_lookup(
    [
        (code, (f"0{code}" if len(code) == 1 else code, *labels))
        for code, labels in (
            ("1", ("kepala keluarga", "kk", "kepala")),
            ("2", ("suami",)),
            ("3", ("istri", "isteri")),
            ("4", ("anak",)),
            ("5", ("menantu",)),
            ("6", ("cucu",)),
            ("7", ("orang tua", "orangtua")),
            ("8", ("mertua",)),
            ("9", ("famili lain", "saudara")),
            ("10", ("pembantu",)),
            ("11", ("lainnya", "lain-lain")),
        )
    ]
)
MARITAL_STATUSES = choice_lookup(
    [
        (Person.MaritalStatus.SINGLE, ("1", "belum kawin")),
        (Person.MaritalStatus.MARRIED, ("2", "kawin tercatat", "kawin belum tercatat", "menikah")),
        (Person.MaritalStatus.DIVORCED, ("3", "cerai hidup", "cerai hidup tercatat")),
        (Person.MaritalStatus.WIDOWED, ("4", "cerai mati")),
    ]
)
EDUCATION = choice_lookup(
    [
        (Person.Education.NOT_YET, ("belum sekolah",)),
        (Person.Education.NONE, ("tidak sekolah", "tidak/belum sekolah")),
        (Person.Education.PRIMARY_UNFINISHED, ("belum tamat sd", "belum tamat sd/sederajat")),
        (Person.Education.PRIMARY, ("tamat sd", "tamat sd/sederajat", "sd/sederajat", "mi")),
        (Person.Education.JUNIOR, ("sltp", "sltp/sederajat", "smp/sederajat", "mts")),
        (Person.Education.SENIOR, ("slta", "slta/sederajat", "sma/smk", "smk", "ma")),
        (
            Person.Education.DIPLOMA,
            ("d1", "d2", "d3", "diploma i/ii", "akademi/diploma iii/s. muda", "diploma iii"),
        ),
        (Person.Education.BACHELOR, ("d4", "s1", "diploma iv/strata i", "strata i")),
        (Person.Education.POSTGRADUATE, ("s2", "s3", "strata ii", "strata iii")),
    ]
)
DISABILITIES = choice_lookup(
    [
        (Person.Disability.NONE, ("", "-", "tidak ada", "tidak", "0")),
        (Person.Disability.PHYSICAL, ("fisik", "tuna daksa", "daksa")),
        (Person.Disability.SENSORY, ("sensorik", "netra", "tuna netra", "rungu", "tuna rungu")),
        (Person.Disability.INTELLECTUAL, ("intelektual", "grahita", "tuna grahita")),
        (Person.Disability.MENTAL, ("psikososial",)),
        (Person.Disability.MULTIPLE, ("ganda",)),
    ]
)
ALLOWED = {
    "jenis_kelamin": "L, P",
    "hubungan": ", ".join(Person.Relationship.values),
    "status_kawin": ", ".join(Person.MaritalStatus.values),
    "pendidikan": ", ".join(Person.Education.values),
    "disabilitas": ", ".join(Person.Disability.values),
}


@lru_cache(maxsize=4096)  # a few hundred texts ("1", "01", "7.0") fill a whole file
def parse_rt_rw(text: str) -> int:
    return parse_whole(text, low=1, high=RT_RW_MAX)


def parse_address(text: str) -> str:
    return limit(" ".join(require(text).split()), 255)


# Names repeat (Siti, Muhammad Rizki, ...): their comparable form is computed once per import
# worker rather than once per row; name_key is a pure function.
_normalized = lru_cache(maxsize=100_000)(name_key)


def parse_nik_missing_reason(text: str, *, birth_date: date, today: date) -> str:
    """The reason a member has no NIK, refused when empty from KTP age (the registry's rule)."""
    reason = limit(" ".join(text.split()), NIK_MISSING_REASON_MAX)
    try:
        nik_missing_reason_check(birth_date=birth_date, reason=reason, member=None, today=today)
    except DomainError as error:
        raise CellError(str(error.message)) from None
    return reason


def parse_name(text: str) -> tuple[str, str]:
    full_name = limit(" ".join(require(text).split()), NAME_MAX)
    key = _normalized(full_name)
    if not key:
        raise CellError(_("The name has no letters."))
    return full_name, key


def parse_sex(text: str) -> str:
    return parse_choice(require(text), SEXES, allowed=ALLOWED["jenis_kelamin"])


def parse_place(text: str) -> str:
    return limit(text.strip(), 100)


def parse_relationship(text: str) -> str:
    return parse_choice(require(text), RELATIONSHIPS, allowed=ALLOWED["hubungan"])


def parse_marital_status(text: str) -> str:
    return parse_choice(require(text), MARITAL_STATUSES, allowed=ALLOWED["status_kawin"])


def parse_education(text: str) -> str:
    return parse_choice(require(text), EDUCATION, allowed=ALLOWED["pendidikan"])


def parse_occupation(text: str) -> str:
    return limit(text.strip(), 100)


def parse_disability(text: str) -> str:
    return parse_choice(text, DISABILITIES, allowed=ALLOWED["disabilitas"])
