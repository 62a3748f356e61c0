"""Poverty scoring: classes, boundaries, clear errors, and explanations an officer can read."""

import copy
import json
from decimal import Decimal
from typing import Any

import pytest

from registry.scoring import (
    CLASS_MISKIN,
    CLASS_RENTAN,
    CLASS_TIDAK_MISKIN,
    PROVISIONAL_RULESET_PATH,
    RulesetError,
    ScoringError,
    explain,
    format_points,
    load_provisional_ruleset,
    load_ruleset,
    score,
)

PERWAL_ORDER = [
    "income",
    "dependants",
    "tenure",
    "education_access",
    "vehicle",
    "floor",
    "wall",
    "roof",
    "water",
    "electricity",
    "toilet",
    "sewage",
    "vulnerable_member",
    "medical_cost",
]
POOR_HOUSEHOLD = {
    "income": "below_poverty_line",
    "dependants": "four_to_five",
    "tenure": "rented",
    "education_access": "aid_dependent",
    "vehicle": "none",
    "floor": "cement",
    "wall": "unplastered_or_heavily_damaged",
    "roof": "damaged",
    "water": "protected_well",
    "electricity": "pln_450",
    "toilet": "shared",
    "sewage": "pit",
    "vulnerable_member": "one_independent",
    "medical_cost": "unable",
}
COMFORTABLE_HOUSEHOLD = {
    "income": "adequate",
    "dependants": "two_to_three",
    "tenure": "owned",
    "education_access": "no_barrier",
    "vehicle": "car",
    "floor": "tiles",
    "wall": "plastered_good",
    "roof": "tile_concrete_good",
    "water": "piped_or_bottled",
    "electricity": "pln_1300_plus",
    "toilet": "own",
    "sewage": "septic_tank",
    "vulnerable_member": "none",
    "medical_cost": "able",
}
NEAR_POOR_HOUSEHOLD = {
    **COMFORTABLE_HOUSEHOLD,
    "income": "near_poverty_line",
    "dependants": "four_to_five",
    "tenure": "rented",
    "vehicle": "one_motorcycle",
    "electricity": "pln_900",
    "wall": "plastered_partly_damaged",
    "medical_cost": "strained",
}


def small_data() -> dict[str, Any]:
    """Two parameters, max 14 points, Miskin from 12, Rentan from 4."""
    return {
        "version": "TEST-1",
        "name": "Uji",
        "basis": "Aturan uji.",
        "is_provisional": False,
        "thresholds": {"miskin": 12, "rentan": 4},
        "parameters": [
            {
                "code": "income",
                "label_id": "Penghasilan",
                "label_en": "Income",
                "options": [
                    {"code": "low", "label": "Di bawah garis kemiskinan", "score": 10},
                    {"code": "high", "label": "Cukup", "score": 0},
                ],
            },
            {
                "code": "floor",
                "label_id": "Jenis lantai",
                "label_en": "Floor",
                "options": [
                    {"code": "earth", "label": "Tanah/bambu", "score": 4},
                    {"code": "cement", "label": "Semen", "score": 2},
                    {"code": "tiles", "label": "Keramik", "score": 0},
                ],
            },
        ],
    }


def test_provisional_ruleset_has_the_14_perwal_parameters_in_order() -> None:
    ruleset = load_provisional_ruleset()
    assert [parameter.code for parameter in ruleset.parameters] == PERWAL_ORDER
    assert all(3 <= len(parameter.options) <= 5 for parameter in ruleset.parameters)
    assert ruleset.is_provisional
    assert ruleset.version == "PROVISIONAL-2026.1"
    assert "Rp744.771" in ruleset.basis
    assert ruleset.thresholds.rentan < ruleset.thresholds.miskin <= ruleset.max_possible


def test_provisional_ruleset_file_is_plain_json() -> None:
    data = json.loads(PROVISIONAL_RULESET_PATH.read_text(encoding="utf-8"))
    assert load_ruleset(data).version == data["version"]


def test_clearly_poor_household_is_miskin() -> None:
    result = score(load_provisional_ruleset(), POOR_HOUSEHOLD)
    assert result.poverty_class == CLASS_MISKIN
    assert result.total == Decimal(40)
    assert result.max_possible == Decimal(62)
    assert result.ruleset_version == "PROVISIONAL-2026.1"


def test_comfortable_household_is_tidak_miskin() -> None:
    result = score(load_provisional_ruleset(), COMFORTABLE_HOUSEHOLD)
    assert result.poverty_class == CLASS_TIDAK_MISKIN
    assert result.total == Decimal(1)


def test_near_poor_household_is_rentan() -> None:
    result = score(load_provisional_ruleset(), NEAR_POOR_HOUSEHOLD)
    assert result.poverty_class == CLASS_RENTAN


def test_income_below_poverty_line_alone_is_not_enough_for_miskin() -> None:
    answers = {**COMFORTABLE_HOUSEHOLD, "income": "below_poverty_line"}
    assert score(load_provisional_ruleset(), answers).poverty_class == CLASS_TIDAK_MISKIN


def test_contributions_record_every_parameter_and_option() -> None:
    result = score(load_provisional_ruleset(), POOR_HOUSEHOLD)
    assert [item.parameter_code for item in result.contributions] == PERWAL_ORDER
    income = result.contributions[0]
    assert (income.option_code, income.points, income.weighted_points) == (
        "below_poverty_line",
        Decimal(10),
        Decimal(10),
    )


@pytest.mark.parametrize(
    ("income", "floor", "total", "expected"),
    [
        ("low", "cement", 12, CLASS_MISKIN),  # exactly at the Miskin threshold
        ("low", "tiles", 10, CLASS_RENTAN),  # just below it
        ("high", "earth", 4, CLASS_RENTAN),  # exactly at the Rentan threshold
        ("high", "cement", 2, CLASS_TIDAK_MISKIN),  # just below it
    ],
)
def test_thresholds_are_inclusive(income: str, floor: str, total: int, expected: str) -> None:
    result = score(load_ruleset(small_data()), {"income": income, "floor": floor})
    assert result.total == total
    assert result.poverty_class == expected


@pytest.mark.parametrize("answers", [{"income": "low"}, {"income": "low", "floor": ""}])
def test_missing_answer_names_the_parameter_in_indonesian(answers: dict[str, str]) -> None:
    with pytest.raises(ScoringError) as info:
        score(load_ruleset(small_data()), answers)
    assert info.value.code == "missing_answer"
    assert info.value.parameters == ("floor",)
    assert info.value.message == "Jawaban belum diisi untuk: Jenis lantai."


def test_all_missing_answers_are_listed_at_once() -> None:
    with pytest.raises(ScoringError) as info:
        score(load_provisional_ruleset(), {"income": "adequate"})
    assert len(info.value.parameters) == 13
    assert "Jenis lantai" in info.value.message


def test_unknown_option_lists_the_valid_ones() -> None:
    with pytest.raises(ScoringError) as info:
        score(load_ruleset(small_data()), {"income": "low", "floor": "marble"})
    assert info.value.code == "unknown_option"
    assert info.value.message == (
        "Pilihan 'marble' tidak ada untuk parameter Jenis lantai. "
        "Pilihan yang sah: earth, cement, tiles."
    )


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(ScoringError) as info:
        score(load_ruleset(small_data()), {"income": "low", "floor": "tiles", "flor": "tiles"})
    assert info.value.code == "unknown_parameter"
    assert info.value.parameters == ("flor",)


def test_weight_multiplies_points_and_the_maximum() -> None:
    data = small_data()
    data["parameters"][1]["weight"] = 2
    ruleset = load_ruleset(data)
    assert ruleset.max_possible == Decimal(18)
    result = score(ruleset, {"income": "high", "floor": "cement"})
    floor = result.contributions[1]
    assert (floor.points, floor.weight, floor.weighted_points) == (
        Decimal(2),
        Decimal(2),
        Decimal(4),
    )
    assert result.total == Decimal(4)
    assert result.poverty_class == CLASS_RENTAN


def test_fractional_weight_is_exact_and_shown_with_a_decimal_comma() -> None:
    data = small_data()
    data["parameters"][0]["weight"] = 1.15
    result = score(load_ruleset(data), {"income": "low", "floor": "tiles"})
    assert result.total == Decimal("11.50")
    assert format_points(result.total) == "11,5"
    assert format_points(Decimal("38.0")) == "38"


def mutate(path: str, value: object) -> dict[str, Any]:
    """Return small_data() with one value replaced; path like 'parameters.0.options.1.score'."""
    data = copy.deepcopy(small_data())
    target: Any = data
    *parents, last = path.split(".")
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is KeyError:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("parameters.0.options", [{"code": "x", "label": "X", "score": 1}], "minimal 2 pilihan"),
        ("parameters.1.code", "income", "parameters: kode 'income' dipakai lebih dari sekali"),
        ("parameters.1.options.1.code", "earth", "kode 'earth' dipakai lebih dari sekali"),
        ("parameters.1.options.0.score", -1, "skor tidak boleh negatif"),
        (
            "parameters.1.options.0.score",
            True,
            "parameters[1].options[0].score: harus berupa angka",
        ),
        ("parameters.1.options.0.score", "4", "harus berupa angka"),
        ("parameters.0.weight", 0, "bobot harus lebih dari 0"),
        ("parameters.0.code", "Income", "hanya boleh huruf kecil"),
        ("parameters.0.label_id", " ", "parameters[0].label_id: harus berupa teks"),
        ("parameters", [], "minimal 1 parameter"),
        ("thresholds.miskin", 4, "ambang Miskin (4) harus lebih besar dari ambang Rentan Miskin"),
        ("thresholds.rentan", 0, "ambang Rentan Miskin harus lebih dari 0"),
        ("thresholds.miskin", 15, "melebihi skor maksimum 14"),
        ("thresholds.rentan", KeyError, "thresholds.rentan: wajib diisi"),
        ("version", KeyError, "version: wajib diisi"),
        ("is_provisional", "ya", "is_provisional: harus true atau false"),
        ("treshold", 1, "kunci tidak dikenal: treshold"),
    ],
)
def test_invalid_rulesets_are_refused_with_the_path(
    path: str, value: object, expected: str
) -> None:
    with pytest.raises(RulesetError) as info:
        load_ruleset(mutate(path, value))
    assert expected in str(info.value)


def test_explain_names_class_threshold_and_top_contributors() -> None:
    ruleset = load_provisional_ruleset()
    sentences = explain(score(ruleset, POOR_HOUSEHOLD), ruleset)
    assert sentences[0] == "Skor 40 dari 62: kelas Miskin (ambang 26)."
    assert sentences[1].startswith(
        "Penyumbang terbesar: Penghasilan rata-rata per bulan: Di bawah garis kemiskinan "
        "(< Rp744.771/orang/bulan) — 10 poin; Kesanggupan biaya pengobatan: "
    )
    assert sentences[1].count(" poin") == 3
    assert "PROVISIONAL-2026.1" in sentences[2]
    assert "sementara" in sentences[2]


def test_explain_for_rentan_shows_the_gap_to_miskin() -> None:
    ruleset = load_ruleset(small_data())
    sentences = explain(score(ruleset, {"income": "low", "floor": "tiles"}), ruleset)
    assert sentences == [
        "Skor 10 dari 14: kelas Rentan Miskin (ambang 4; kurang 2 poin dari ambang Miskin 12).",
        "Penyumbang terbesar: Penghasilan: Di bawah garis kemiskinan — 10 poin.",
    ]


def test_explain_for_a_zero_score() -> None:
    ruleset = load_ruleset(small_data())
    sentences = explain(score(ruleset, {"income": "high", "floor": "tiles"}), ruleset)
    assert sentences == [
        "Skor 0 dari 14: kelas Tidak Miskin (di bawah ambang Rentan Miskin 4).",
        "Tidak ada parameter yang menambah skor.",
    ]


def test_explain_refuses_a_result_from_another_ruleset_version() -> None:
    data = small_data()
    result = score(load_ruleset(data), {"income": "high", "floor": "tiles"})
    data["version"] = "TEST-2"
    with pytest.raises(ValueError, match="TEST-1"):
        explain(result, load_ruleset(data))
