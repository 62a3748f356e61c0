"""Synthetic households of Depok, complete with members, numbers, answers and desil.

`CityMaker.household()` draws one household at a time from one random generator, so a
seed always gives the same city (on the same day: ages count back from `today`), and
memory does not grow with the number of households.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from registry.models import Assessment, Person
from registry.scoring import Ruleset
from registry.synthetic.addresses import Wilayah
from registry.synthetic.answers import AnswerMaker, FamilyFacts, Scored, desil_ranks
from registry.synthetic.families import NOT_WORKING, STUDENT, FamilyMaker, Member
from registry.synthetic.identifiers import Identifiers
from registry.synthetic.names import NameMaker, Style, last_name

R = Person.Relationship
WIB = timezone(timedelta(hours=7), "WIB")
FIRST_REGISTRATION = date(2021, 1, 1)  # synthetic registrations run from here to yesterday
FIRST_KK = date(2005, 1, 1)
NEWBORN_DAYS = 120
# Share of persons holding a Depok-issued NIK, by where they were most likely registered.
LOCAL_SHARE_ADULTS = 0.66
LOCAL_SHARE_CHILDREN = 0.93


@dataclass(slots=True)
class SyntheticHousehold:
    kelurahan_code: str
    rw: int
    rt: int
    address: str
    kk_number: str
    kk_valid_from: date
    registered_at: datetime
    members: list[Member]
    assessment: Scored | None
    assessed_on: date
    assessment_source: str
    desil: list[tuple[str, int]]


class CityMaker:
    def __init__(
        self,
        *,
        seed: int,
        kelurahan_codes: Sequence[str],
        ruleset: Ruleset | None,
        today: date,
    ) -> None:
        self.rng = rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.today = today
        self.wilayah = Wilayah(rng, kelurahan_codes)
        self.families = FamilyMaker(rng, today)
        self.names = NameMaker(rng)
        self.identifiers = Identifiers(rng)
        self.answers = AnswerMaker(rng, ruleset) if ruleset is not None else None
        first = office_hours(FIRST_REGISTRATION)
        self.registrations(start=first, end=office_hours(today - timedelta(days=1)), total=10_000)

    def registrations(self, *, start: datetime, end: datetime, total: int) -> None:
        """Spread the next `total` households' registration times evenly from start to end.

        Registered in id order, as in a real registry (and cheaper to index).
        """
        self.registration_start = start
        self.registration_end = end
        self.registration_step = (end - start) / max(1, total)
        self.registered = 0

    def household(self) -> SyntheticHousehold:
        rng = self.rng
        code, rw, rt, address = self.wilayah.place(rng)
        level = self.answers.poverty_level() if self.answers else rng.random() * 0.3
        members = self.families.family(level)
        self._name(members)
        self._number(members, kecamatan=code[6:8])
        head = members[0]
        registered = self._registered_at()
        earliest_kk = max(FIRST_KK, _add_years(head.birth_date, 18))
        if earliest_kk >= registered.date():  # a young family: its card is recent
            registered = max(registered, office_hours(earliest_kk + timedelta(days=14)))
            kk_from = earliest_kk
        else:
            kk_from = earliest_kk + timedelta(
                days=rng.randrange((registered.date() - earliest_kk).days)
            )
        assessed_on = registered.date() + timedelta(
            days=rng.randrange(max(1, (self.today - registered.date()).days))
        )
        scored = None
        ranks: list[tuple[str, int]] = []
        if self.answers is not None:
            scored = self.answers.scored(self.answers.answers(level, self._facts(members)))
            ranks = desil_ranks(rng, level, scored.poverty_class)
        source = Assessment.Source.FIELD_VISIT
        if rng.random() < 0.25:
            source = Assessment.Source.SELF_REPORT
        return SyntheticHousehold(
            kelurahan_code=code,
            rw=rw,
            rt=rt,
            address=address,
            kk_number=self.identifiers.kk(code[6:8], kk_from),
            kk_valid_from=kk_from,
            registered_at=registered,
            members=members,
            assessment=scored,
            assessed_on=assessed_on,
            assessment_source=source,
            desil=ranks,
        )

    def _name(self, members: list[Member]) -> None:
        style: Style = self.names.style()
        father_last: str | None = None
        rng = self.rng
        for member in members:
            age = (self.today - member.birth_date).days / 365.25
            child = member.relationship in (R.CHILD, R.GRANDCHILD)
            member.full_name = self.names.full_name(
                sex=member.sex,
                born_year=member.birth_date.year,
                style=style if child or member.sex == "M" else Style(None),
                father_last=father_last if child else None,
                titled=age >= 45 and rng.random() < 0.09,
                degree=member.education in ("d4_s1", "s2_s3") and rng.random() < 0.25,
            )
            if member.sex == "M" and member.relationship in (R.HEAD, R.HUSBAND):
                father_last = last_name(member.full_name)

    def _number(self, members: list[Member], *, kecamatan: str) -> None:
        identifiers = self.identifiers
        for member in members:
            child = member.relationship in (R.CHILD, R.GRANDCHILD)
            age_days = (self.today - member.birth_date).days
            if child and age_days < NEWBORN_DAYS and self.rng.random() < 0.6:
                member.birth_place = "Depok"  # not yet registered at Dukcapil
                continue
            share = LOCAL_SHARE_CHILDREN if child else LOCAL_SHARE_ADULTS
            region = identifiers.nik_region(kecamatan, member.birth_date, local_share=share)
            member.nik = identifiers.nik(region, member.sex, member.birth_date)
            member.birth_place = identifiers.birthplace(region)

    def _facts(self, members: list[Member]) -> FamilyFacts:
        living = [m for m in members if m.death_date is None]
        ages = [(self.today - m.birth_date).days / 365.25 for m in living]
        earners = sum(1 for m in living[1:] if m.occupation not in (NOT_WORKING, STUDENT, ""))
        vulnerable = [
            m for m, age in zip(living, ages, strict=True) if age >= 60 or m.disability != "none"
        ]
        return FamilyFacts(
            dependants=len(living) - 1 - earners,
            school_age=sum(1 for age in ages if 7 <= age < 19),
            vulnerable=len(vulnerable),
            head_vulnerable=bool(vulnerable) and vulnerable[0] is living[0],
            needs_care=any(m.disability != "none" for m in vulnerable),
        )

    def _registered_at(self) -> datetime:
        at = self.registration_start + self.registration_step * self.registered
        self.registered += 1
        at = office_hours(at.astimezone(WIB).date(), self.rng.random())
        return min(at, self.registration_end)


def office_hours(day: date, fraction: float = 0.5) -> datetime:
    """A time on `day` between 08:00 and 16:00 WIB (`fraction` of the way), timezone-aware."""
    return datetime.combine(day, time(8), tzinfo=WIB) + timedelta(hours=8 * fraction)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
