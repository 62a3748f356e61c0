"""Loading a DKB file into its table: the file is cut into parts copied and checked at once,
which must change nothing in what is loaded, refused or reported."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from registry.dukcapil import dkb_tables
from tests.dukcapil.factories import dkb_csv, numbered_rows

pytestmark = pytest.mark.django_db

TODAY = "2026-06-01"
EXTRACT = 990_001


def load(tmp_path: Path, content: bytes) -> dkb_tables.LoadResult:
    path = tmp_path / "dkb.csv"
    path.write_bytes(content)
    return dkb_tables.load(extract_id=EXTRACT, path=path, today_iso=TODAY)


def table(columns: str = "row_no, nik") -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT {columns} FROM "{dkb_tables.table_name(EXTRACT)}" ORDER BY row_no'  # noqa: S608
        )
        return cursor.fetchall()


def reported(result: dkb_tables.LoadResult) -> list[tuple[int, str, str]]:
    return [(bad.row, bad.column, bad.problem) for bad in result.reported]


def ranges(body: bytes) -> list[bytes]:
    handle = io.BytesIO(body)
    return [body[start:end] for start, end in dkb_tables._ranges(handle, 0, len(body))]


def test_the_file_is_cut_at_a_row_end_near_its_middle():
    body = b"".join(b"a,b,%d\n" % i for i in range(10))
    parts = ranges(body)
    assert len(parts) == dkb_tables.PARTS == 2
    assert b"".join(parts) == body
    assert all(part.endswith(b"\n") for part in parts)


def test_a_newline_inside_quotes_is_never_a_cut():
    # The middle of the body falls inside the quoted field, which holds a newline.
    body = b'a,"x\n' + b"y" * 20 + b'\nz",c\n' + b"d,e,f\n"
    first, second = ranges(body)
    assert first == b'a,"x\n' + b"y" * 20 + b'\nz",c\n'
    assert second == b"d,e,f\n"
    # Doubled quotes inside a quoted field count twice: the parity is unchanged.
    body = b'a,"he said ""hi""\n' + b"y" * 20 + b'",c\n' + b"d,e,f\n"
    assert ranges(body)[1] == b"d,e,f\n"


def test_a_file_is_cut_only_where_a_row_ends_before_its_end():
    assert ranges(b"a,b,c\nd,e,f") == [b"a,b,c\n", b"d,e,f"]  # the last row needs no newline
    assert ranges(b"a,b,c\n") == [b"a,b,c\n"]
    assert ranges(b"") == [b""]
    # A quote never closed: no row ends (COPY refuses the file, the Python pass reads it).
    assert ranges(b'a,"b,c\nd,e,f\ng,h,i\n') == [b'a,"b,c\nd,e,f\ng,h,i\n']


def test_rows_are_numbered_across_parts_and_quoted_newlines_kept(tmp_path):
    good = numbered_rows(40)
    good[19]["ALAMAT"] = "JL. MELATI,\nGG. MAWAR"  # row 21: a newline in a quoted field
    good[5]["NIK"] = "32760101019X0006"  # row 7, first part
    good[35]["TGL_LHR"] = "31-02-1990"  # row 37, second part
    good[38]["NIK"] = good[30]["NIK"]  # row 40 repeats row 32
    result = load(tmp_path, dkb_csv(good))
    assert not result.structural_fallback
    assert (result.rows, result.bad_rows) == (37, 3)
    assert reported(result) == [
        (7, "NIK", "nik"),
        (37, "TGL_LHR", "birth_date"),
        (40, "NIK", "duplicate_nik"),
    ]
    loaded = table("row_no, nik, address")
    assert [n for n, _, _ in loaded] == [n for n in range(1, 41) if n not in (6, 36, 39)]
    assert loaded[18] == (20, good[19]["NIK"], "JL. MELATI,\nGG. MAWAR")
    assert {nik for _, nik, _ in loaded} == {row["NIK"] for row in good} - {
        good[5]["NIK"],
        good[35]["NIK"],
    }


def test_a_broken_row_in_the_second_part_sorts_out_the_whole_file(tmp_path):
    after = dkb_csv(numbered_rows(10, start=31)).split(b"\n", 1)[1]  # without its header
    content = dkb_csv(numbered_rows(30)) + b"3276010101900099,only,three\n" + after
    result = load(tmp_path, content)
    assert result.structural_fallback
    assert reported(result) == [(32, "", "columns")]
    assert [n for n, _ in table()] == [*range(1, 31), *range(32, 42)]


def test_values_are_read_trimmed_and_in_any_case(tmp_path):
    row = numbered_rows(1)[0] | {
        "NIK": " 3276010101900001 ",
        "NO_KK": "3276011503200001  ",
        "NAMA_LGKP": "  SITI AMINAH ",
        "TGL_LHR": " 31-01-1990",
        "JENIS_KLMIN": " perempuan ",
        "STAT_HBKEL": " Kepala Keluarga",
        "TMPT_LHR": " DEPOK ",
    }
    coded = numbered_rows(1, start=2)[0] | {"JENIS_KLMIN": "1", "STAT_HBKEL": "4"}
    unknown = numbered_rows(1, start=3)[0] | {"STAT_HBKEL": "ADIK"}
    load(tmp_path, dkb_csv([row, coded, unknown]))
    columns = "nik, kk, full_name, birth_place, birth_date, sex, relationship"
    assert table(columns) == [
        (
            "3276010101900001",
            "3276011503200001",
            "SITI AMINAH",
            " DEPOK ",
            date(1990, 1, 31),
            "F",
            "1",
        ),
        (coded["NIK"], coded["NO_KK"], coded["NAMA_LGKP"], "DEPOK", date(1990, 1, 1), "M", "4"),
        (
            unknown["NIK"],
            unknown["NO_KK"],
            unknown["NAMA_LGKP"],
            "DEPOK",
            date(1990, 1, 1),
            "M",
            "",
        ),
    ]


def test_values_that_only_look_right_are_refused(tmp_path):
    bad = [
        numbered_rows(1, start=1, NIK="3276010101900O01")[0],  # a letter O
        numbered_rows(1, start=2, NIK="\uff13276010101900002")[0],  # a full-width 3
        numbered_rows(1, start=3, NO_KK="3276011503200\t03")[0],  # a tab is not trimmed
        numbered_rows(1, start=4, NAMA_LGKP="   ")[0],
        numbered_rows(1, start=5, TGL_LHR=" 1-01-1990")[0],  # 1-01-1990 once trimmed: no date shape
        numbered_rows(1, start=6, TGL_LHR="today")[0],
        numbered_rows(1, start=7, TGL_LHR="01-06-2026 ")[0],  # today is fine...
        numbered_rows(1, start=8, TGL_LHR="02-06-2026")[0],  # ...tomorrow is not
        numbered_rows(1, start=9, JENIS_KLMIN="X")[0],
    ]
    result = load(tmp_path, dkb_csv(bad))
    assert reported(result) == [
        (2, "NIK", "nik"),
        (3, "NIK", "nik"),
        (4, "NO_KK", "kk"),
        (5, "NAMA_LGKP", "full_name"),
        (6, "TGL_LHR", "birth_date"),
        (7, "TGL_LHR", "birth_date"),
        (9, "TGL_LHR", "birth_date"),
        (10, "JENIS_KLMIN", "sex"),
    ]
    assert table("row_no, birth_date") == [(7, date(2026, 6, 1))]


def test_rows_with_and_without_a_death_or_move_are_checked_alike(tmp_path):
    living = numbered_rows(3)
    dead = numbered_rows(1, start=4, STAT_MATI=" mati", TGL_MATI="05/03/2024 ")[0]
    moved = numbered_rows(1, start=5, STAT_PINDAH="PINDAH", TGL_PINDAH="2025-01-31")[0]
    flag_only = numbered_rows(1, start=6, STAT_MATI="Y")[0]
    blank = numbered_rows(1, start=7, TGL_MATI=" ")[0]  # spaces only: no date given
    future_death = numbered_rows(1, start=8, STAT_MATI="Y", TGL_MATI="01-01-2027")[0]
    bad_move = numbered_rows(1, start=9, STAT_PINDAH="Y", TGL_PINDAH="2025-02-30")[0]
    bad_both = numbered_rows(1, start=10, NIK="123", TGL_MATI="01-01-2027")[0]
    result = load(
        tmp_path,
        dkb_csv([*living, dead, moved, flag_only, blank, future_death, bad_move, bad_both]),
    )
    assert reported(result) == [
        (9, "TGL_MATI", "death_date"),
        (10, "TGL_PINDAH", "moved_on"),
        (11, "NIK", "nik"),
    ]
    assert table("row_no, is_deceased, death_date, moved_out, moved_out_on") == [
        (1, False, None, False, None),
        (2, False, None, False, None),
        (3, False, None, False, None),
        (4, True, date(2024, 3, 5), False, None),
        (5, False, None, True, date(2025, 1, 31)),
        (6, True, None, False, None),
        (7, False, None, False, None),
    ]


def test_a_file_without_the_optional_columns_loads(tmp_path):
    header = ["NIK", "NO_KK", "NAMA_LGKP", "TGL_LHR", "JENIS_KLMIN"]
    result = load(tmp_path, dkb_csv(numbered_rows(4), header=header))
    assert (result.rows, result.bad_rows) == (4, 0)
    assert table("is_deceased, death_date, relationship, birth_place")[0] == (False, None, "", "")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.xdist_group("processes")
def test_outside_a_transaction_the_parts_load_on_connections_of_their_own(tmp_path):
    """The threaded path: staging tables live on each part's connection, the second part's
    rows are numbered after the first's, and the result is that of the one-connection path."""
    good = numbered_rows(60)
    good[10]["TGL_LHR"] = "31-02-1990"  # row 12
    good[50]["NIK"] = "123"  # row 52
    good[55]["NIK"] = good[0]["NIK"]  # row 57 repeats row 2
    good[57]["STAT_MATI"] = "Y"  # row 59, checked by the statement for statuses
    try:
        result = load(tmp_path, dkb_csv(good))
        assert not result.structural_fallback
        assert (result.rows, result.bad_rows) == (57, 3)
        assert reported(result) == [
            (12, "TGL_LHR", "birth_date"),
            (52, "NIK", "nik"),
            (57, "NIK", "duplicate_nik"),
        ]
        assert [n for n, _ in table()] == [n for n in range(1, 61) if n not in (11, 51, 56)]
        assert dict(table("row_no, is_deceased"))[58] is True
        assert set(result.seconds) == {"copy", "check", "clean", "index"}
    finally:
        dkb_tables.drop_tables(EXTRACT)
