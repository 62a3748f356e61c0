"""The error patterns of Indonesian administrative data the matcher must see through."""

from __future__ import annotations

from datetime import date

from registry.dukcapil.matching import fallback, recovery
from registry.dukcapil.matching.fields import decide_exact, name_score
from registry.dukcapil.matching.records import OutcomeCode
from registry.names import normalize_name
from tests.dukcapil.test_matching import BORN, NIK, TODAY, neighbours, person, record

SUBSTITUTED = "3276011203850009"  # NIK with its last digit typed wrong


def recovered(typist, candidates):
    proposal = recovery.propose(typist, candidates, today=TODAY)
    return None if proposal is None else proposal.record.nik


# --- Names ----------------------------------------------------------------------------------


def test_a_name_with_a_dropped_word_is_recovered():
    typist = person("Budi Santoso Hidayat", nik=SUBSTITUTED)
    assert recovered(typist, neighbours()) == NIK


def test_the_fathers_name_after_binti_does_not_count_against_the_name():
    typist = person("Siti Maulana", nik=SUBSTITUTED, sex="F")
    daughter = record("SITI MAULANA BINTI HENDRA SAPUTRA", sex="F")
    assert recovered(typist, [daughter]) == NIK
    assert name_score(typist.name_normalized, daughter.full_name, typist.full_name) > 0.9


def test_words_in_another_order_are_the_same_name():
    typist = person("Santoso Budi Hidayat", nik=SUBSTITUTED)
    assert recovered(typist, neighbours()) == NIK


def test_an_initial_in_another_place_is_the_word_it_begins():
    typist = person("M. Iwan", nik=SUBSTITUTED)
    assert recovered(typist, [record("IWAN M.")]) == NIK


def test_a_neighbours_longer_name_is_not_found_through_one_word():
    # SRI's own record is missing; the next serial born the same day is another SRI.
    sri = person("Sri", sex="F")
    neighbour = record("SRI WAHYUNI", nik="3276011203850008", sex="F")
    assert recovered(sri, [neighbour]) is None


def test_a_different_name_is_still_no_name_in_the_same_words():
    assert name_score(normalize_name("Budi Santoso"), "AHMAD FAUZI", "Budi Santoso") < 0.6
    assert name_score(normalize_name("Budi"), "AHMAD BUDIMAN", "Budi") < 0.6


# --- A correct NIK with a shortened name and a day/month swap -------------------------------


def test_a_shortened_name_and_a_swapped_birth_date_keep_their_correct_nik():
    sri = person("Sri", sex="F", birth_date=date(1985, 12, 3))
    decision = decide_exact(sri, record("SRI SAPUTRA", sex="F"))
    assert decision is not None
    assert decision.outcome == OutcomeCode.DIFFERENCES
    assert "birth_date" in decision.differences


def test_a_mistyped_nik_date_and_a_swapped_birth_date_are_recovered():
    # Day digits of the NIK swapped (day 10, month 23: no date) and the recorded birth date
    # with day and month swapped: only the swap of the recorded date leads to the record.
    typist = person(nik="3276011023850007", birth_date=date(1985, 12, 3))
    assert (BORN, "M") in recovery.blocking_keys(typist, today=TODAY)
    assert recovered(typist, neighbours()) == NIK


# --- Deceased or moved, with a mistyped NIK --------------------------------------------------


def test_a_deceased_person_with_a_mistyped_nik_is_deceased():
    typist = person(nik=SUBSTITUTED)
    died = record(is_deceased=True, death_date=date(2026, 2, 1))
    proposal = recovery.propose(typist, [died], today=TODAY)
    decision = recovery.proposal_decision(typist, proposal)
    assert (decision.outcome, decision.candidate_nik) == (OutcomeCode.DECEASED, NIK)
    assert decision.event_date == date(2026, 2, 1)
    assert decision.evidence["nik_mistyped"] is True


def test_a_moved_person_with_a_mistyped_nik_has_moved_out():
    typist = person(nik=SUBSTITUTED)
    moved = record(moved_out=True, moved_out_on=date(2026, 3, 1))
    decision = recovery.proposal_decision(typist, recovery.propose(typist, [moved], today=TODAY))
    assert (decision.outcome, decision.candidate_nik) == (OutcomeCode.MOVED_OUT, NIK)


# --- Namesakes --------------------------------------------------------------------------------


def fb(key: str, name: str, nik: str) -> fallback.FallbackRecord:
    return fallback.FallbackRecord(key, normalize_name(name), BORN, "F", "Depok", nik=nik)


def test_a_namesake_whose_nik_region_and_serial_disagree_is_not_linked():
    yuni = [fb("1", "Yuni", "3276015203850007")]
    namesake = [fb("A", "YUNI", "3201025203854321")]
    assert fallback.link(fallback.block(yuni, namesake)) == []


def test_a_nik_two_typing_mistakes_from_the_record_is_a_namesakes():
    # Two digits of the serial wrong, not a swap: no single typing mistake turns one NIK into
    # the other (the region codes and serials of Depok's persons born on one day are close).
    yuni = [fb("1", "Yuni", "3276015203850117")]
    other = [fb("A", "YUNI", "3276015203850007")]
    assert fallback.link(fallback.block(yuni, other)) == []
    kecamatan = [fb("1", "Yuni", "3276105203850001")]
    neighbour = [fb("A", "YUNI", "3276025203850001")]
    assert fallback.link(fallback.block(kecamatan, neighbour)) == []


def test_a_nik_one_typing_mistake_from_the_record_allows_the_fallback():
    yuni = [fb("1", "Yuni", "3276015203850070")]  # two neighbouring digits swapped
    same = [fb("A", "YUNI", "3276015203850007")]
    assert [lk.right for lk in fallback.link(fallback.block(yuni, same))] == ["A"]
    region = [fb("1", "Yuni", "3276025203850007")]  # one wrong digit
    assert [lk.right for lk in fallback.link(fallback.block(region, same))] == ["A"]


# --- How common a name is --------------------------------------------------------------------


def dukcapil(key: str, name: str, share: float, nik: str = "") -> fallback.FallbackRecord:
    return fallback.FallbackRecord(
        key, normalize_name(name), BORN, "F", "Depok", nik=nik, name_share=share, peers=17
    )


def test_a_common_name_and_a_birth_date_are_weak_evidence_a_rare_name_strong():
    no_nik = [fb("1", "Yuni", ""), fb("2", "Yulia Komariah", "")]
    extract = [dukcapil("A", "YUNI", share=0.01), dukcapil("B", "YULIA KOMARIAH", share=3e-6)]
    assert [(lk.left, lk.right) for lk in fallback.link(fallback.block(no_nik, extract))] == [
        ("2", "B")
    ]


def test_a_common_name_is_linked_where_the_typed_nik_supports_it():
    typed = [fb("1", "Yuni", "3276015203850017")]
    extract = [dukcapil("A", "YUNI", share=0.01, nik="3276015203850007")]
    assert [lk.right for lk in fallback.link(fallback.block(typed, extract))] == ["A"]
