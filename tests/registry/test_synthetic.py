"""The synthetic city generator: valid numbers, plausible families and classes, reproducible."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import date

import pytest

from registry.models import Person
from registry.names import name_similarity, normalize_name
from registry.nik import kabkota_name, parse_kk, parse_nik
from registry.scoring import load_provisional_ruleset
from registry.synthetic.city import CityMaker, SyntheticHousehold
from registry.synthetic.identifiers import ELSEWHERE, Identifiers
from registry.synthetic.names import NameMaker, Style, old_spelling, typing_variant

TODAY = date(2026, 11, 28)
KELURAHAN = ("32.76.01.1006", "32.76.02.1009", "32.76.07.1003", "32.76.11.1005")
R = Person.Relationship


def city(count: int, *, seed: int = 7) -> list[SyntheticHousehold]:
    maker = CityMaker(
        seed=seed, kelurahan_codes=KELURAHAN, ruleset=load_provisional_ruleset(), today=TODAY
    )
    return [maker.household() for _ in range(count)]


@pytest.fixture(scope="module")
def households() -> list[SyntheticHousehold]:
    return city(3000)


def test_every_nik_and_kk_passes_the_registry_checks_and_is_unique(
    households: list[SyntheticHousehold],
) -> None:
    persons = [p for h in households for p in h.members]
    niks = [p.nik for p in persons if p.nik]
    for person in persons:
        if person.nik:
            parsed = parse_nik(person.nik, reference_date=TODAY)
            assert (parsed.sex, parsed.birth_date) == (person.sex, person.birth_date)
    for household in households:
        parsed_kk = parse_kk(household.kk_number, reference_date=TODAY)
        assert parsed_kk.registration_date == household.kk_valid_from
        assert parsed_kk.kecamatan_code == household.kelurahan_code[:8].replace(".", "")
    assert len(set(niks)) == len(niks)
    assert len({h.kk_number for h in households}) == len(households)
    elsewhere = sum(1 for nik in niks if not nik.startswith("3276")) / len(niks)
    assert 0.15 < elsewhere < 0.35


def test_regions_of_outside_niks_are_known_kab_kota() -> None:
    assert all(kabkota_name(code) for code, _, _ in ELSEWHERE)


def test_a_few_newborns_wait_for_their_nik(households: list[SyntheticHousehold]) -> None:
    missing = [p for h in households for p in h.members if p.nik is None]
    assert missing
    assert all((TODAY - p.birth_date).days < 120 and p.relationship in (R.CHILD, R.GRANDCHILD)
               for p in missing)  # fmt: skip


def test_families_look_like_family_cards(households: list[SyntheticHousehold]) -> None:
    persons = [p for h in households for p in h.members]
    for household in households:
        living_heads = [
            p for p in household.members if p.relationship == R.HEAD and not p.death_date
        ]
        assert living_heads == [household.members[0]]
        assert all(p.sex == "F" for p in household.members if p.relationship == R.WIFE)
        assert all(p.sex == "M" for p in household.members if p.relationship == R.HUSBAND)
        for person in household.members:
            assert person.death_date is None or person.birth_date < person.death_date <= TODAY
    female_heads = sum(1 for h in households if h.members[0].sex == "F") / len(households)
    assert 0.14 < female_heads < 0.26
    assert 2.9 < len(persons) / len(households) < 3.5
    assert Counter(len(h.members) for h in households)[1] > 0.08 * len(households)
    assert any(p.death_date for p in persons)
    ages = [(TODAY - p.birth_date).days / 365.25 for p in persons if not p.death_date]
    assert 0.25 < sum(1 for a in ages if a < 20) / len(ages) < 0.4
    assert 0.05 < sum(1 for a in ages if a >= 60) / len(ages) < 0.14


def test_classes_and_desil_are_in_a_realistic_range(households: list[SyntheticHousehold]) -> None:
    classes = Counter(h.assessment.poverty_class for h in households if h.assessment)
    assert 0.01 <= classes["miskin"] / len(households) <= 0.045
    assert 0.08 <= classes["rentan"] / len(households) <= 0.18
    ranked = [h for h in households if h.desil]
    assert 0.5 < len(ranked) / len(households) < 0.7
    poor = [
        h.desil[-1][1] for h in ranked if h.assessment and h.assessment.poverty_class == "miskin"
    ]
    assert sum(1 for desil in poor if desil <= 3) >= 0.9 * len(poor)
    assert all(period in ("2025Q4", "2026Q1") for h in ranked for period, _ in h.desil)


def test_same_seed_gives_the_same_city_and_another_seed_another() -> None:
    def fingerprint(seed: int) -> list[tuple[object, ...]]:
        return [
            (h.address, h.kk_number, tuple((p.full_name, p.nik) for p in h.members))
            for h in city(50, seed=seed)
        ]

    assert fingerprint(3) == fingerprint(3)
    assert fingerprint(3) != fingerprint(4)


def test_names_carry_the_spelling_variation_search_must_handle() -> None:
    maker = NameMaker(random.Random(1))
    names = [
        maker.full_name(sex=sex, born_year=year, style=Style(None), titled=year < 1970)
        for sex in "MF"
        for year in (1950, 1968, 1985, 2005)
        for _ in range(400)
    ]
    text = " ".join(names)
    for variant in ("Muhammad", "M.", "Moch.", "Achmad", "H.", "Hj.", "Soe", "Dj"):
        assert variant in text, variant
    assert re.search(r" bin(ti)? ", text)
    assert len(Counter(names)) > 300
    assert old_spelling("Cahyono Sukarno") == "Tjahjono Soekarno"
    assert normalize_name("Moch. Rizky") == normalize_name("Muhammad Rizky")


def test_typing_variants_stay_close_to_the_name() -> None:
    rng = random.Random(5)
    maker = NameMaker(rng)
    pairs = []
    for _ in range(300):
        name = maker.full_name(sex="M", born_year=1980, style=Style(None), titled=True)
        pairs.append((name, typing_variant(rng, name)))
    assert sum(1 for name, query in pairs if query != name) > 200
    assert all(name_similarity(name, query) > 0.5 for name, query in pairs)


def test_serials_continue_after_existing_numbers() -> None:
    identifiers = Identifiers(random.Random(1))
    identifiers.note_existing(["3276014101900007"], ["3276011503200300"])
    assert identifiers.nik("327601", "F", date(1990, 1, 1)) == "3276014101900008"
    assert identifiers.nik("327601", "M", date(1990, 1, 1)) == "3276010101900001"
    assert identifiers.kk("01", date(2020, 3, 15)) == "3276011503200301"
