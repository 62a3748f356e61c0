"""NIK / No. KK parsing: what a clerk sees when a number is typed or imported wrongly."""

from datetime import date

import pytest

from registry.nik import (
    NikError,
    ParsedNik,
    check_kecamatan,
    check_nik_against,
    kabkota_codes,
    kabkota_name,
    normalize_identifier,
    parse_kk,
    parse_nik,
)

REF = date(2026, 1, 15)
# Synthetic: Pancoran Mas (32.76.01), born 12 Aug 1985, serial 0003.
MALE_NIK = "3276011208850003"
FEMALE_NIK = "3276015208850003"


def parse(raw: str) -> ParsedNik:
    return parse_nik(raw, reference_date=REF)


def error_of(raw: str | int) -> NikError:
    with pytest.raises(NikError) as info:
        parse_nik(raw, reference_date=REF)
    return info.value


def test_valid_male_nik_is_split_into_its_parts() -> None:
    parsed = parse(MALE_NIK)
    assert parsed == ParsedNik(
        nik=MALE_NIK,
        province_code="32",
        kabkota_code="3276",
        kecamatan_code="327601",
        sex="M",
        birth_date=date(1985, 8, 12),
        serial="0003",
    )


def test_female_day_field_is_day_plus_40() -> None:
    parsed = parse(FEMALE_NIK)
    assert parsed.sex == "F"
    assert parsed.birth_date == date(1985, 8, 12)


def test_highest_female_day_71_is_the_31st() -> None:
    assert parse("3276017101900004").birth_date == date(1990, 1, 31)


@pytest.mark.parametrize("nik", ["3276022902000001", "3276026902000001"])
def test_29_february_2000_is_accepted(nik: str) -> None:
    assert parse(nik).birth_date == date(2000, 2, 29)


def test_29_february_of_a_year_that_was_never_leap_is_refused() -> None:
    error = error_of("3276022902010001")
    assert error.code == "bad_date"
    assert "tidak ada di kalender" in error.message


@pytest.mark.parametrize(
    ("nik", "fragment"),
    [
        ("3276011213850003", "Bulan lahir pada NIK (digit 9-10) adalah 13"),
        ("3276011200850003", "Bulan lahir pada NIK (digit 9-10) adalah 00"),
        ("3276013208850003", "adalah 32; seharusnya 01-31 untuk laki-laki atau 41-71"),
        ("3276014008850003", "adalah 40"),
        ("3276017208850003", "adalah 72"),
        ("3276010008850003", "adalah 00"),
        ("3276013104850003", "(31-04-85) tidak ada di kalender"),
    ],
)
def test_impossible_birth_dates_are_refused_with_the_reason(nik: str, fragment: str) -> None:
    error = error_of(nik)
    assert error.code == "bad_date"
    assert fragment in error.message


def test_zero_serial_is_refused_and_mentions_excel() -> None:
    error = error_of("3276011208850000")
    assert error.code == "zero_serial"
    assert "0000" in error.message
    assert "Excel" in error.message


def test_fifteen_digits_is_reported_as_a_lost_digit() -> None:
    error = error_of("327601120885000")
    assert error.code == "lost_digit"
    assert error.message == (
        "NIK harus 16 digit angka; yang diisi 15 digit. Kemungkinan digit terakhir hilang "
        "karena format Excel — ketik ulang NIK sebagai teks."
    )


@pytest.mark.parametrize(("raw", "count"), [("32760112088500031", 17), ("3276", 4)])
def test_other_lengths_are_refused_with_the_count(raw: str, count: int) -> None:
    error = error_of(raw)
    assert error.code == "length"
    assert f"yang diisi {count} digit" in error.message


def test_letter_o_instead_of_zero_gets_a_hint() -> None:
    error = error_of("32760112O8850003")
    assert error.code == "not_digits"
    assert "'O'" in error.message
    assert "tertukar dengan angka 0" in error.message


def test_dotted_grouping_is_refused_not_silently_stripped() -> None:
    error = error_of("3276.0112.0885.0003")
    assert error.code == "not_digits"
    assert "Titik, strip" in error.message


def test_non_ascii_digits_are_refused() -> None:
    fullwidth = "".join(chr(ord(char) + 0xFEE0) for char in MALE_NIK)
    assert error_of(fullwidth).code == "not_digits"


@pytest.mark.parametrize(
    "raw",
    ["3.27601E+15", "3,27601E+15", "3.2760112088500E+15", "3.27601e15", " 3,27601E+15 "],
)
def test_scientific_notation_is_explained_as_excel_damage(raw: str) -> None:
    error = error_of(raw)
    assert error.code == "scientific_notation"
    assert "Excel" in error.message
    assert "Teks" in error.message


@pytest.mark.parametrize("raw", ["3276011208850003.0", "3276011208850003,00"])
def test_float_export_suffix_is_refused(raw: str) -> None:
    assert error_of(raw).code == "float_suffix"


def test_a_number_cell_value_is_refused_because_excel_may_have_zeroed_the_last_digit() -> None:
    assert error_of(3276011208850003).code == "numeric_value"


@pytest.mark.parametrize("raw", ["", "   ", "'"])
def test_empty_input(raw: str) -> None:
    error = error_of(raw)
    assert error.code == "empty"
    assert error.message == "NIK belum diisi."


@pytest.mark.parametrize(
    "raw",
    [" 3276011208850003 ", "3276 0112 0885 0003", "'3276011208850003", "3276011208850003\u00a0"],
)
def test_spaces_and_the_excel_text_apostrophe_are_removed(raw: str) -> None:
    assert normalize_identifier(raw) == MALE_NIK


def test_unknown_kabkota_prefix_is_refused() -> None:
    error = error_of("3299011208850003")
    assert error.code == "unknown_region"
    assert "(3299)" in error.message


def test_jakarta_nik_is_accepted_like_any_other_region() -> None:
    parsed = parse("3171014508900002")
    assert parsed.kabkota_code == "3171"
    assert kabkota_name(parsed.kabkota_code) == "Kota Administrasi Jakarta Pusat"


def test_nik_issued_under_the_old_papua_code_is_accepted() -> None:
    assert parse("9471011208850003").province_code == "94"


def test_region_list_holds_every_current_kabkota() -> None:
    codes = kabkota_codes()
    assert kabkota_name("32.76") == "Kota Depok"
    assert sum(1 for code, name in codes.items() if "kode lama" not in name) == 514
    assert not any(code.endswith("00") for code in codes)


@pytest.mark.parametrize(
    ("nik", "expected"),
    [
        ("3276011208050003", date(2005, 8, 12)),
        ("3276011208500003", date(1950, 8, 12)),
        ("3276011208200003", date(2020, 8, 12)),  # 1920 also fits 0-110; the younger wins.
        ("3276012005260003", date(1926, 5, 20)),  # 2026-05-20 is after the reference date.
        ("3276011501260003", date(2026, 1, 15)),  # Born on the reference date: age 0.
    ],
)
def test_century_gives_an_age_between_0_and_110(nik: str, expected: date) -> None:
    assert parse(nik).birth_date == expected


def test_no_century_within_110_years_is_refused() -> None:
    with pytest.raises(NikError) as info:
        parse_nik("3276012902000001", reference_date=date(2000, 1, 1))
    assert info.value.code == "bad_date"
    assert "usia di luar 0-110 tahun" in info.value.message


def test_matching_record_gives_no_warning() -> None:
    parsed = parse(FEMALE_NIK)
    assert check_nik_against(parsed, sex="F", birth_date=date(1985, 8, 12)) == []


def test_sex_mismatch_is_a_warning_in_indonesian() -> None:
    warnings = check_nik_against(parse(MALE_NIK), sex="F")
    assert [warning.code for warning in warnings] == ["sex_mismatch"]
    assert "tercatat Perempuan, tetapi NIK menunjukkan Laki-laki" in warnings[0].message


def test_birth_date_mismatch_is_a_warning_not_an_error() -> None:
    warnings = check_nik_against(parse(MALE_NIK), birth_date=date(1985, 8, 13))
    assert [warning.code for warning in warnings] == ["birth_date_mismatch"]
    assert "13-08-1985" in warnings[0].message
    assert "12-08-85" in warnings[0].message


def test_recorded_century_that_differs_from_the_guess_is_not_a_mismatch() -> None:
    parsed = parse("3276011208200003")  # Read as 2020 by default.
    assert check_nik_against(parsed, birth_date=date(1920, 8, 12)) == []


def test_invalid_sex_code_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="sex must be"):
        check_nik_against(parse(MALE_NIK), sex="L")


def test_unknown_kecamatan_only_warns() -> None:
    parsed = parse("3276121208850003")
    assert check_kecamatan(parsed, ["32.76.01", "327602"])[0].code == "unknown_kecamatan"
    assert check_kecamatan(parse(MALE_NIK), ["32.76.01"]) == []


def test_valid_kk_with_registration_date() -> None:
    kk = parse_kk("3276012005150007", reference_date=REF)
    assert (kk.kabkota_code, kk.kecamatan_code, kk.serial) == ("3276", "327601", "0007")
    assert kk.registration_date == date(2015, 5, 20)
    assert kk.warnings == ()


def test_kk_with_impossible_registration_date_is_kept_with_a_warning() -> None:
    kk = parse_kk("3276013213150007", reference_date=REF)
    assert kk.registration_date is None
    assert [warning.code for warning in kk.warnings] == ["kk_registration_date"]
    assert "(321315)" in kk.warnings[0].message


def test_kk_zero_serial_is_refused_with_the_kk_label() -> None:
    with pytest.raises(NikError) as info:
        parse_kk("3276012005150000", reference_date=REF)
    assert info.value.code == "zero_serial"
    assert info.value.message.startswith("4 digit terakhir No. KK adalah 0000")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("3,27601E+15", "scientific_notation"),
        ("327601200515000", "lost_digit"),
        ("3299012005150007", "unknown_region"),
        ("32760120O5150007", "not_digits"),
    ],
)
def test_kk_shares_the_spreadsheet_damage_checks(raw: str, code: str) -> None:
    with pytest.raises(NikError) as info:
        parse_kk(raw, reference_date=REF)
    assert info.value.code == code
    assert "No. KK" in info.value.message
