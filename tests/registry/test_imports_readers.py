"""Reading CSV and XLSX files as text, numbered as the clerk sees them; cell values."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from registry.imports.readers import cell_text, open_sheet
from registry.imports.values import (
    CellError,
    identifier_nik,
    parse_date,
    parse_kelurahan_code,
    parse_period,
    parse_whole,
)
from tests.registry.test_imports_support import (
    HOUSEHOLD_HEADER,
    csv_bytes,
    errors_by_row,
    family,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
    preview,
    xlsx_bytes,
)

TODAY = date(2026, 11, 28)


def test_csv_reader_keeps_identifiers_as_text_and_numbers_rows_like_a_spreadsheet(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(
        "\ufeffno_kk;nik;nama\n"
        "3276011503200001;0276014101900001;Siti Ma\u2019rifah\n"
        "\n"  # a blank row keeps its number
        '3276011503200001;\'3276014101900002;"Budi; S."\n'.encode()
    )

    sheet = open_sheet(path)
    rows = list(sheet.rows())

    assert sheet.headers == ("no_kk", "nik", "nama")
    assert [row.number for row in rows] == [2, 4]
    assert rows[0].values == ("3276011503200001", "0276014101900001", "Siti Ma\u2019rifah")
    assert rows[1].values[1:] == ("'3276014101900002", "Budi; S.")
    assert sheet.count() == 3  # for the progress bar: lines, the blank one included


def test_csv_reader_reads_a_windows_spreadsheet_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("nama,alamat\nJos\xe9,Jl. Kenari\n".encode("cp1252"))
    (row,) = open_sheet(path).rows()
    assert row.values == ("Jos\xe9", "Jl. Kenari")


def test_xlsx_reader_gives_text_and_remembers_number_cells(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(
        xlsx_bytes(
            ("nik", "tanggal_lahir", "rw", "nama"),
            [
                ["3276014101900001", datetime(1990, 1, 1), 3, "Siti"],  # noqa: DTZ001 (a cell has no zone)
                [3276014101900001, "01-01-1990", 3.0, None],
            ],
        )
    )

    rows = list(open_sheet(path).rows())

    assert rows[0].values == ("3276014101900001", "1990-01-01", "3", "Siti")
    assert rows[0].numeric == frozenset({2})
    assert rows[1].values[0] == "3276014101900001" and 0 in rows[1].numeric
    assert rows[1].values[3] == ""


def test_an_unreadable_file_is_refused_plainly(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"not a workbook")
    with pytest.raises(CellError, match="XLSX"):
        open_sheet(path)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"\n")
    with pytest.raises(CellError):
        open_sheet(empty)


def test_cell_text_of_spreadsheet_values():
    assert cell_text(3276014101900001) == ("3276014101900001", True)
    assert cell_text(3.5) == ("3.5", True)
    assert cell_text(datetime(2020, 3, 15, 0, 0)) == ("2020-03-15", False)  # noqa: DTZ001
    assert cell_text(None) == ("", False)


def test_a_nik_from_a_number_cell_is_refused_with_the_registry_message():
    with pytest.raises(CellError, match="angka"):
        identifier_nik("3276014101900000", numeric=True, today=TODAY)
    with pytest.raises(CellError, match="E\\+15"):
        identifier_nik("3,27601E+15", numeric=False, today=TODAY)


def test_values():
    assert parse_date("2020-03-15", today=TODAY) == date(2020, 3, 15)
    assert parse_date("15/03/2020", today=TODAY) == date(2020, 3, 15)
    with pytest.raises(CellError):
        parse_date("2027-01-01", today=TODAY)
    with pytest.raises(CellError):
        parse_date("30-02-2020", today=TODAY)
    assert parse_whole("007", low=1, high=999) == 7
    assert parse_whole("3.0", low=1, high=999) == 3
    with pytest.raises(CellError):
        parse_whole("0", low=1, high=999)
    assert parse_kelurahan_code("3276011006") == "32.76.01.1006"
    with pytest.raises(CellError):
        parse_kelurahan_code("32.71.01.1006")
    assert parse_period("2026 q1", today=TODAY) == "2026Q1"
    assert parse_period("Q3-2025", today=TODAY) == "2025Q3"
    with pytest.raises(CellError):
        parse_period("2027Q1", today=TODAY)


@pytest.mark.django_db
def test_scientific_notation_nik_in_a_csv_is_refused_on_its_row(dinsos_operator):
    rows = family(1, first_serial=1) + family(2, first_serial=10)
    rows[4]["nik"] = "3.27601E+15"  # spreadsheet row 6

    checked = preview(dinsos_operator, "households", csv_bytes(rows))

    errors = errors_by_row(checked)
    assert [column for column, _reason in errors[6]] == ["nik"]
    assert "E+15" in errors[6][0][1]
    assert checked.result["rows_ready"] == 3


@pytest.mark.django_db
def test_an_xlsx_file_with_a_nik_stored_as_a_number_is_refused_on_that_row(dinsos_operator):
    rows = [list(row.values()) for row in family(1, first_serial=1) + family(2, first_serial=10)]
    rows[3][5] = int(rows[3][5])  # row 5: the NIK went through a number cell
    rows[0][2] = 3  # RW as a number is fine

    checked = preview(dinsos_operator, "households", xlsx_bytes(HOUSEHOLD_HEADER, rows), "d.xlsx")

    errors = errors_by_row(checked)
    assert list(errors) == [5, 7]  # the bad row, then the notice that its family is skipped
    assert errors[5][0][0] == "nik" and "angka" in errors[5][0][1]
    assert checked.result["households_new"] == 1 and checked.result["rows_ready"] == 3
