"""The matching logic on plain values: every typing mistake recovered, near misses not."""

from __future__ import annotations

from datetime import date

import pytest

from registry.dukcapil.matching import fallback, recovery
from registry.dukcapil.matching.fields import compare_fields, decide_exact, name_score
from registry.dukcapil.matching.identifiers import nik_birth_keys, nik_relation
from registry.dukcapil.matching.records import (
    DukcapilRecord,
    Method,
    OutcomeCode,
    RegistryPerson,
)
from registry.dukcapil.matching.verification import (
    UnreadableAnswer,
    decide_verification,
    parse_answer,
)
from registry.names import normalize_name

TODAY = date(2026, 6, 1)
BORN = date(1985, 3, 12)
NIK = "3276011203850007"  # 12-03-85, a man, serial 0007
KK = "3276011503200003"


def person(name: str = "Budi Santoso", nik: str | None = NIK, **changes) -> RegistryPerson:
    values = {
        "person_id": 1,
        "nik": nik,
        "full_name": name,
        "name_normalized": normalize_name(name),
        "sex": "M",
        "birth_date": BORN,
        "birth_place": "Depok",
        "kk": KK,
        "household_id": 10,
        "relationship": "1",
        "kelurahan_code": "32.76.01.1006",
    }
    values.update(changes)
    return RegistryPerson(**values)


def record(name: str = "BUDI SANTOSO", nik: str = NIK, **changes) -> DukcapilRecord:
    values = {
        "nik": nik,
        "kk": KK,
        "full_name": name,
        "birth_date": BORN,
        "sex": "M",
        "birth_place": "KOTA DEPOK",
    }
    values.update(changes)
    return DukcapilRecord(**values)


# --- NIK typing mistakes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "relation"),
    [
        ("3276011203850070", Method.TRANSPOSITION),  # last two digits swapped
        ("3276101203850007", Method.TRANSPOSITION),  # kecamatan digits swapped
        ("3276011203850009", Method.SUBSTITUTION),
        ("3276011203850000", Method.LOST_LAST_DIGIT),  # a spreadsheet's 16th digit
        (KK, Method.KK_AS_NIK),
    ],
)
def test_each_typing_mistake_is_recognised(typed, relation):
    assert nik_relation(typed, NIK, KK) == relation


@pytest.mark.parametrize(
    "typed",
    [
        NIK,  # no mistake
        "3276011203850019",  # two digits wrong
        "3276011203850700",  # swap of digits that are not neighbours
        "327601120385007",  # fifteen digits
        "3276011203857000",  # a shifted tail
    ],
)
def test_other_differences_are_no_typing_mistake(typed):
    assert nik_relation(typed, NIK, KK) is None


def test_the_nik_date_gives_the_blocks_to_search():
    assert nik_birth_keys(NIK, today=TODAY, hint=BORN) == {(BORN, "M")}
    assert nik_birth_keys("3276015203850007", today=TODAY, hint=None) == {(date(1985, 3, 12), "F")}
    # Both centuries are possible without a hint: born 1925 or 2025.
    assert {born.year for born, _ in nik_birth_keys("3276010101250001", today=TODAY)} == {
        1925,
        2025,
    }
    assert nik_birth_keys("3276013202850007", today=TODAY) == set()  # 32 February
    assert nik_birth_keys(None, today=TODAY) == set()


# --- Field checks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "dukcapil"),
    [
        ("H. Moch. Soekarno bin Abdoellah", "MUHAMMAD SUKARNO ABDULLAH"),
        ("Hj. Siti Nurhaliza", "SITI NURHALIZA"),
        ("Drs. Djoko Tjahjono", "JOKO CAHYONO"),
        ("M. Rizki", "MUHAMAD RIZKI"),
        ("Mochammad Yusuf", "MUHAMMAD YUSUF"),
        ("Siti Aminah binti Ahmad", "SITI AMINAH AHMAD"),
    ],
)
def test_indonesian_name_variants_are_the_same_name(registry, dukcapil):
    assert name_score(normalize_name(registry), dukcapil) == 1.0


def test_a_matching_record_is_matched():
    decision = decide_exact(person(), record())
    assert decision.outcome == OutcomeCode.MATCHED
    assert decision.differences == ()
    assert decision.score == 1.0


def test_differing_fields_are_listed():
    decision = decide_exact(person(), record(birth_date=date(1985, 3, 13), birth_place="BOGOR"))
    assert decision.outcome == OutcomeCode.DIFFERENCES
    assert set(decision.differences) == {"birth_date", "birth_place"}
    assert decision.score < 1.0


def test_a_record_of_another_name_and_birth_date_is_someone_else():
    assert decide_exact(person(), record(name="SITI AMINAH", birth_date=date(1970, 1, 1))) is None


def test_dukcapil_status_comes_first():
    died = record(is_deceased=True, death_date=date(2025, 12, 1), kk="3276011503209999")
    decision = decide_exact(person(), died)
    assert (decision.outcome, decision.event_date) == (OutcomeCode.DECEASED, date(2025, 12, 1))
    moved = decide_exact(person(), record(moved_out=True, moved_out_on=date(2026, 1, 2)))
    assert moved.outcome == OutcomeCode.MOVED_OUT
    # Someone who already left their household is not "moved out" again.
    assert decide_exact(person(household_id=None), record(moved_out=True)).outcome == "matched"
    assert decide_exact(person(), record(kk="3276011503209999")).outcome == OutcomeCode.KK_DIFFERS


def test_a_death_the_registry_knows_already_is_no_news():
    died = record(is_deceased=True, death_date=date(2025, 12, 1))
    assert decide_exact(person(is_deceased=True), died).outcome == OutcomeCode.MATCHED
    assert "deceased" in compare_fields(person(is_deceased=True), record()).differences


# --- Recovery of mistyped NIKs ---------------------------------------------------------------


def neighbours() -> list[DukcapilRecord]:
    """The true record among others born the same day, with serials one digit apart."""
    return [
        record(),
        record(name="AHMAD FAUZI", nik="3276011203850008"),
        record(name="DEDI KURNIAWAN", nik="3276011203850017", kk="3276011503200099"),
    ]


@pytest.mark.parametrize(
    ("typed", "method"),
    [
        ("3276011203850070", Method.TRANSPOSITION),
        ("3276011203850009", Method.SUBSTITUTION),
        ("3276011203850000", Method.LOST_LAST_DIGIT),
        (KK, Method.KK_AS_NIK),
    ],
)
def test_every_mistyped_nik_is_recovered(typed, method):
    typist = person("H. Budi Santoso", nik=typed)
    proposal = recovery.propose(typist, neighbours(), today=TODAY)
    assert proposal is not None
    assert (proposal.record.nik, proposal.method) == (NIK, method)
    decision = recovery.proposal_decision(typist, proposal)
    assert (decision.outcome, decision.candidate_nik) == (OutcomeCode.NIK_MISTYPED, NIK)


def test_a_mistyped_nik_and_a_wrong_birth_date_are_recovered_through_the_nik_date():
    typed = person(nik="3276011203850009", birth_date=date(1985, 12, 3))
    assert date(1985, 3, 12) in {born for born, _ in recovery.blocking_keys(typed, today=TODAY)}
    proposal = recovery.propose(typed, neighbours(), today=TODAY)
    assert proposal is not None and proposal.record.nik == NIK


def test_a_neighbour_with_another_name_is_not_proposed():
    # 0008 is one digit from the typed 0009 too, but it is Ahmad Fauzi, not Budi Santoso.
    only_neighbours = neighbours()[1:]
    assert recovery.propose(person(nik="3276011203850009"), only_neighbours, today=TODAY) is None


def test_two_equally_good_candidates_give_no_proposal():
    twin = record(nik="3276011203850019")  # same name, also one digit from ...0009
    candidates = [record(), twin]
    assert recovery.propose(person(nik="3276011203850009"), candidates, today=TODAY) is None


def test_a_nik_two_mistakes_away_is_not_proposed():
    assert recovery.propose(person(nik="3276011203850099"), [record()], today=TODAY) is None


def test_another_sex_is_not_proposed():
    woman = record(sex="F")
    assert recovery.propose(person(nik="3276011203850009"), [woman], today=TODAY) is None


def test_one_record_goes_to_one_person_only():
    first = person(nik="3276011203850009")
    second = first._replace(person_id=2, nik="3276011203850070")
    proposals = recovery.propose_all([first, second], {1: [record()], 2: [record()]}, today=TODAY)
    assert proposals == {}  # equally good: a person decides


# --- Fallback: name + birth date + birthplace ----------------------------------------------


def fb(key: str, name: str, born: date | None = BORN, place: str = "Depok", sex: str = "M"):
    return fallback.FallbackRecord(key, normalize_name(name), born, sex, place)


def test_the_fallback_links_the_same_name_and_birth_date():
    left = [fb("1", "H. Moch. Soekarno"), fb("2", "Siti Aminah", sex="F")]
    right = [fb("A", "MUHAMMAD SUKARNO"), fb("B", "DEWI LESTARI", sex="F")]
    links = fallback.link(fallback.block(left, right))
    assert [(lk.left, lk.right) for lk in links] == [("1", "A")]


def test_the_fallback_leaves_ties_to_a_person():
    left = [fb("1", "Siti Aminah")]
    right = [fb("A", "SITI AMINAH"), fb("B", "SITI AMINAH")]
    assert fallback.link(fallback.block(left, right)) == []


def test_name_blocks_find_a_wrong_birth_date():
    left = [fb("1", "Budi Santoso", born=date(1985, 3, 21))]
    right = [fb("A", "BUDI SANTOSO", born=date(1985, 3, 12))]
    assert fallback.link(fallback.block(left, right)) == []  # no shared birth date
    keys = (fallback.by_birth_date, fallback.by_name_token)
    assert [lk.right for lk in fallback.link(fallback.block(left, right, keys))] == ["A"]


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (date(1985, 3, 12), date(1985, 3, 12), 1.0),
        (date(1985, 3, 12), date(1985, 3, 13), 0.8),  # one digit
        (date(1985, 3, 12), date(1985, 3, 21), 0.8),  # two digits swapped
        (date(1985, 3, 12), date(1985, 12, 3), 0.8),  # day and month swapped
        (date(1985, 3, 12), date(1979, 7, 30), 0.0),
        (None, date(1985, 3, 12), 0.5),
    ],
)
def test_date_similarity(first, second, expected):
    assert fallback.date_score(first, second) == expected


# --- Web-service answers ---------------------------------------------------------------------


def test_sesuai_and_tidak_sesuai_are_read_per_element():
    answer = parse_answer(
        {
            "content": [
                {
                    "NIK": "Sesuai",
                    "NAMA_LGKP": "95.5",
                    "TGL_LHR": "SESUAI",
                    "TMPT_LHR": "Tidak Sesuai",
                    "JENIS_KLMIN": "TIDAK_SESUAI",
                }
            ]
        }
    )
    assert answer.found
    assert answer.fields == {
        "NIK": True,
        "NAMA_LGKP": True,
        "TGL_LHR": True,
        "TMPT_LHR": False,
        "JENIS_KLMIN": False,
    }
    assert answer.similarity == {"NAMA_LGKP": 95.5}
    decision = decide_verification(person(), answer)
    assert decision.outcome == OutcomeCode.DIFFERENCES
    assert set(decision.differences) == {"birth_place", "sex"}


def test_a_low_name_similarity_is_a_difference():
    answer = parse_answer({"content": [{"NIK": "Sesuai", "NAMA_LGKP": 61}]})
    assert decide_verification(person(), answer).differences == ("name",)


def test_an_unknown_nik_is_not_found():
    answer = parse_answer({"content": [{"RESPON": "Data Tidak Ditemukan"}]})
    assert not answer.found
    assert decide_verification(person(), answer).outcome == OutcomeCode.NOT_FOUND


@pytest.mark.parametrize(
    "body", [{}, {"content": []}, {"content": [{"NIK": "maybe"}]}, {"content": "x"}]
)
def test_an_unreadable_answer_is_refused(body):
    with pytest.raises(UnreadableAnswer):
        parse_answer(body)
