"""Family structures and ages for a city household, the way Depok's family cards look.

Shares are rough figures for an Indonesian city: about one household in eight is one
person; about 20% of heads are women (FACTS §6: 130,954 of 643,534 family heads), mostly
widows or divorcees; most households are a couple with 0-5 children, some with a parent
of the head or a married child and grandchildren. Ages follow from the head's age and the
mother's age at each birth, which gives an urban pyramid: about 30% under 20, 8-10% over
60, about 3.2 persons per household. `poverty` (0 = well off, 1 = very poor) lowers
education and shifts occupations, so that answers and family agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from registry.models import Person
from registry.synthetic.names import Pool

R = Person.Relationship
M = Person.MaritalStatus
E = Person.Education
D = Person.Disability
# Highest education reached by adults, by birth cohort (no school ... postgraduate).
ADULT_LEVELS = (E.NONE, E.PRIMARY_UNFINISHED, E.PRIMARY, E.JUNIOR, E.SENIOR, E.DIPLOMA,
                E.BACHELOR, E.POSTGRADUATE)  # fmt: skip
ADULT_EDUCATION = (
    (1960, (8, 15, 35, 17, 18, 3, 4, 0)),
    (1980, (3, 7, 25, 20, 32, 5, 7, 1)),
    (2000, (1, 2, 10, 17, 45, 8, 15, 2)),
    (9999, (1, 1, 5, 14, 56, 7, 16, 0)),
)
WORK_MEN = Pool("""Karyawan Swasta 38, Wiraswasta 18, Pedagang 8, Buruh Harian Lepas 9,
Pegawai Negeri Sipil 6, Sopir 5, Guru 3, Anggota TNI/Polri 2, Tukang Bangunan 4,
Karyawan Honorer 3, Ojek Daring 4""")
WORK_POOR = Pool("""Buruh Harian Lepas 34, Belum/Tidak Bekerja 14, Pedagang 14, Ojek Daring 10,
Tukang Bangunan 14, Sopir 6, Pemulung 3, Asisten Rumah Tangga 5""")
WORK_WOMEN = Pool("""Mengurus Rumah Tangga 58, Karyawan Swasta 16, Wiraswasta 7, Pedagang 8,
Guru 5, Pegawai Negeri Sipil 4, Perawat 2""")
WORK_OLD = Pool("Pensiunan 35, Belum/Tidak Bekerja 45, Pedagang 12, Wiraswasta 8")
DISABILITIES = Pool(f"""{D.PHYSICAL} 45, {D.SENSORY} 25, {D.INTELLECTUAL} 12, {D.MENTAL} 10,
{D.MULTIPLE} 8""")
STUDENT = "Pelajar/Mahasiswa"
NOT_WORKING = "Belum/Tidak Bekerja"


@dataclass(slots=True)
class Member:
    """One member before names and numbers are given; values are the models' stored codes."""

    relationship: str
    sex: str
    birth_date: date
    marital_status: str
    education: str = ""
    occupation: str = ""
    disability: str = D.NONE
    death_date: date | None = None
    full_name: str = ""
    nik: str | None = None
    birth_place: str = ""


class FamilyMaker:
    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today

    def born(self, age: float) -> date:
        return self.today - timedelta(days=int(age * 365.25) + self.rng.randrange(365))

    def family(self, poverty: float) -> list[Member]:
        """Members of one household, head first, then by relationship and age."""
        rng = self.rng
        kind = rng.random()
        if kind < 0.125:
            members = self._single()
        elif kind < 0.24:
            members = self._lone_parent("F", widowed=rng.random() < 0.55)
        elif kind < 0.27:
            members = self._lone_parent("M", widowed=rng.random() < 0.6)
        else:
            members = self._couple(female_head=kind < 0.275)
        for member in members:
            self._fill(member, poverty)
        return members

    def _single(self) -> list[Member]:
        rng = self.rng
        if rng.random() < 0.6:
            sex = "M" if rng.random() < 0.58 else "F"
            return [Member(R.HEAD, sex, self.born(rng.uniform(19, 36)), M.SINGLE)]
        sex = "F" if rng.random() < 0.7 else "M"
        status = M.WIDOWED if rng.random() < 0.8 else M.DIVORCED
        return [Member(R.HEAD, sex, self.born(rng.triangular(55, 90, 66)), status)]

    def _lone_parent(self, sex: str, *, widowed: bool) -> list[Member]:
        age = self.rng.triangular(26, 80, 44)
        status = M.WIDOWED if widowed else M.DIVORCED
        head = Member(R.HEAD, sex, self.born(age), status)
        members = [head]
        if widowed and self.rng.random() < 0.3:
            # The late spouse keeps code 1 as history; the survivor heads the family now.
            spouse_age = age + self.rng.uniform(-2, 8)
            spouse = Member(R.HEAD, "M" if sex == "F" else "F", self.born(spouse_age), M.MARRIED)
            years_ago = self.rng.uniform(0.1, min(10.0, spouse_age - 20))
            spouse.death_date = self.today - timedelta(days=int(years_ago * 365.25))
            members.append(spouse)
        mother_age = age if sex == "F" else age - self.rng.uniform(0, 6)
        members += self._children(mother_age, self.rng.choice((1, 1, 2, 2, 2, 3, 3, 4)))
        return members

    def _couple(self, *, female_head: bool) -> list[Member]:
        rng = self.rng
        age = rng.triangular(21, 78, 37)
        wife_age = max(18.0, age - rng.gauss(3.5, 3.5))
        if female_head:
            head = Member(R.HEAD, "F", self.born(wife_age), M.MARRIED)
            spouse = Member(R.HUSBAND, "M", self.born(age), M.MARRIED)
        else:
            head = Member(R.HEAD, "M", self.born(age), M.MARRIED)
            spouse = Member(R.WIFE, "F", self.born(wife_age), M.MARRIED)
        members = [head, spouse]
        wanted = rng.choices((0, 1, 2, 3, 4, 5), (6, 20, 35, 24, 10, 5))[0]
        children = self._children(wife_age, wanted)
        members += children
        adults = [c for c in children if self._age(c) >= 24]
        if adults and rng.random() < 0.35:
            child = rng.choice(adults)
            child.marital_status = M.MARRIED
            in_law = Member(
                R.CHILD_IN_LAW,
                "F" if child.sex == "M" else "M",
                self.born(self._age(child) + rng.uniform(-4, 4)),
                M.MARRIED,
            )
            mother = self._age(child) if child.sex == "F" else self._age(in_law)
            grandchildren = self._children(mother, rng.choice((0, 1, 1, 2)))
            for grandchild in grandchildren:
                grandchild.relationship = R.GRANDCHILD
            members += [in_law, *grandchildren]
        if rng.random() < 0.09 and age < 62:
            members += self._parents(max(age, wife_age))
        return members

    def _parents(self, child_age: float) -> list[Member]:
        rng = self.rng
        relationship = R.PARENT if rng.random() < 0.6 else R.PARENT_IN_LAW
        mother_age = min(92.0, child_age + rng.uniform(20, 36))
        mother = Member(relationship, "F", self.born(mother_age), M.WIDOWED)
        if rng.random() < 0.25:
            mother.marital_status = M.MARRIED
            father_age = min(97.0, mother_age + rng.uniform(0, 7))
            father = Member(relationship, "M", self.born(father_age), M.MARRIED)
            return [father, mother]
        if rng.random() < 0.3:
            # A parent who died after the card was issued stays on it, marked deceased.
            years_ago = rng.uniform(0.1, 4)
            mother.death_date = self.today - timedelta(days=int(years_ago * 365.25))
        return [mother]

    def _children(self, mother_age: float, wanted: int) -> list[Member]:
        rng = self.rng
        children: list[Member] = []
        birth_age = rng.uniform(19, 30)
        for _ in range(wanted):
            age = mother_age - birth_age
            if birth_age > 44 or age < 0:
                break
            # Grown children mostly leave to start their own family card.
            if age < 24 or rng.random() < max(0.0, 0.6 - (age - 24) * 0.05):
                sex = "M" if rng.random() < 0.51 else "F"
                birth = self.today - timedelta(days=max(1, int(age * 365.25)))
                children.append(Member(R.CHILD, sex, birth, M.SINGLE))
            birth_age += rng.uniform(1.5, 6)
        return children

    def _age(self, member: Member) -> float:
        return (self.today - member.birth_date).days / 365.25

    def _fill(self, member: Member, poverty: float) -> None:
        """Education, occupation and disability from age, sex and the household's means."""
        rng = self.rng
        age = self._age(member)
        if member.death_date is not None and member.death_date <= member.birth_date:
            member.death_date = member.birth_date + timedelta(days=1)
        if age < 19 or (age < 23 and member.relationship in (R.CHILD, R.GRANDCHILD)):
            member.education = self._school_level(age)
            dropped_out = age >= 16 and rng.random() < poverty * 0.5
            member.occupation = NOT_WORKING if age < 5 or dropped_out else STUDENT
        else:
            weights = next(w for year, w in ADULT_EDUCATION if member.birth_date.year < year)
            level = rng.choices(range(len(ADULT_LEVELS)), weights)[0]
            if rng.random() < poverty:
                level = max(0, level - 2)
            member.education = ADULT_LEVELS[level]
            member.occupation = self._occupation(member, age, poverty)
        if rng.random() < (0.06 if age >= 60 else 0.012):
            member.disability = DISABILITIES.pick(rng)

    def _occupation(self, member: Member, age: float, poverty: float) -> str:
        rng = self.rng
        if age >= 62:
            return WORK_OLD.pick(rng)
        if member.sex == "F" and member.relationship != R.HEAD:
            return WORK_WOMEN.pick(rng)
        if rng.random() < poverty * 1.4:
            return WORK_POOR.pick(rng)
        return WORK_MEN.pick(rng) if member.sex == "M" or rng.random() < 0.7 else NOT_WORKING

    @staticmethod
    def _school_level(age: float) -> str:
        if age < 7:
            return E.NOT_YET
        if age < 13:
            return E.PRIMARY_UNFINISHED
        if age < 16:
            return E.PRIMARY
        return E.JUNIOR if age < 19 else E.SENIOR
