"""The plain values matching works on: a registry person, a Dukcapil record, a decision.

No database here: the DKB source and the web-service source turn their rows and answers
into these, and the job writes decisions back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple


class OutcomeCode(StrEnum):
    """What a run found for a person; the stored values of `MatchOutcome.outcome`."""

    MATCHED = "matched"
    DIFFERENCES = "differences"
    NIK_MISTYPED = "nik_mistyped"
    NOT_FOUND = "not_found"
    DECEASED = "deceased"
    MOVED_OUT = "moved_out"
    KK_DIFFERS = "kk_differs"
    NOT_VERIFIED = "not_verified"


class Method(StrEnum):
    """How the Dukcapil record was found."""

    EXACT_NIK = "exact_nik"
    TRANSPOSITION = "transposition"
    SUBSTITUTION = "substitution"
    LOST_LAST_DIGIT = "lost_last_digit"
    KK_AS_NIK = "kk_as_nik"
    NAME_BIRTH_DATE = "name_birth_date"
    WEB_SERVICE = "web_service"


# Outcomes a person has to confirm or reject before anything changes in the registry.
REVIEWABLE_OUTCOMES = frozenset(
    {OutcomeCode.NIK_MISTYPED, OutcomeCode.DECEASED, OutcomeCode.MOVED_OUT, OutcomeCode.KK_DIFFERS}
)


# Named tuples rather than dataclasses: a run builds hundreds of thousands of them straight
# from database rows (`_make`), several times faster.
class RegistryPerson(NamedTuple):
    """A person as the registry knows them, with their household's current No. KK."""

    person_id: int
    nik: str | None
    full_name: str
    name_normalized: str
    sex: str
    birth_date: date
    birth_place: str = ""
    kk: str | None = None
    household_id: int | None = None
    relationship: str = ""
    kelurahan_code: str = ""
    is_deceased: bool = False
    nik_unverified: str = ""  # a damaged NIK as typed, when `nik` is None: evidence only

    def typed(self) -> RegistryPerson:
        """The person with their unverified NIK in `nik`, for the steps that read a NIK's
        digits as evidence (typo recovery, fallback) but never as an identifier."""
        return self._replace(nik=self.nik_unverified) if self.nik_unverified else self


class DukcapilRecord(NamedTuple):
    """One resident in a DKB extract (Dukcapil's column names in the comments)."""

    nik: str  # NIK
    kk: str  # NO_KK
    full_name: str  # NAMA_LGKP
    birth_date: date  # TGL_LHR
    sex: str  # JENIS_KLMIN, as "M" / "F"
    birth_place: str = ""  # TMPT_LHR
    relationship: str = ""  # STAT_HBKEL, as the registry's code "1".."11"
    mother_name: str = ""  # NAMA_LGKP_IBU
    address: str = ""  # ALAMAT
    rt: str = ""  # NO_RT
    rw: str = ""  # NO_RW
    kecamatan_no: str = ""  # NO_KEC
    kelurahan_no: str = ""  # NO_KEL
    is_deceased: bool = False
    death_date: date | None = None
    moved_out: bool = False
    moved_out_on: date | None = None

    def snapshot(self) -> dict[str, Any]:
        """The fields as JSON values, kept with an outcome after the extract is gone."""
        return {
            "nik": self.nik,
            "kk": self.kk,
            "full_name": self.full_name,
            "birth_place": self.birth_place,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "relationship": self.relationship,
            "mother_name": self.mother_name,
            "address": self.address,
            "rt": self.rt,
            "rw": self.rw,
            "is_deceased": self.is_deceased,
            "death_date": self.death_date.isoformat() if self.death_date else None,
            "moved_out": self.moved_out,
            "moved_out_on": self.moved_out_on.isoformat() if self.moved_out_on else None,
        }


@dataclass(frozen=True, kw_only=True)
class Decision:
    """The outcome for one person, with the record it rests on and why."""

    person_id: int
    outcome: OutcomeCode
    score: float
    method: str = ""
    differences: tuple[str, ...] = ()
    candidate_nik: str | None = None
    event_date: date | None = None
    record: DukcapilRecord | None = None
    dukcapil: Mapping[str, Any] | None = None  # answers of a source without records
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def needs_review(self) -> bool:
        return self.outcome in REVIEWABLE_OUTCOMES
