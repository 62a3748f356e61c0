"""Files in other encodings, and NUL characters, in the import: read, or refused plainly."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from depok_kds.errors import DomainError
from registry.imports.kinds import HOUSEHOLDS
from registry.imports.readers import open_sheet
from registry.imports.services import import_start
from registry.imports.values import CellError
from tests.registry.test_imports_support import (
    csv_bytes,
    family,
    media_root,  # noqa: F401  (uploads go to a temporary MEDIA_ROOT)
    preview,
)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_csv_is_read_with_or_without_its_byte_order_mark(tmp_path, encoding):
    path = tmp_path / "data.csv"
    path.write_bytes("no_kk\tnama\n3276011503200001\tSiti Ma\u2019rifah\n".encode(encoding))
    sheet = open_sheet(path)
    assert sheet.headers == ("no_kk", "nama")
    assert [row.values for row in sheet.rows()] == [("3276011503200001", "Siti Ma\u2019rifah")]


@pytest.mark.django_db
def test_a_utf16_household_file_previews_like_a_utf8_one(dinsos_operator):
    content = csv_bytes(family(1, first_serial=1)).decode().encode("utf-16")
    checked = preview(dinsos_operator, HOUSEHOLDS.key, content)
    assert checked.result["rows"] == checked.result["rows_ready"] == 3


def test_a_nul_character_refuses_the_file_naming_its_row(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"no_kk,nama\n3276011503200001,Siti\n3276011503200002,Bu\x00di\n")
    with pytest.raises(CellError, match="Baris 3") as refused:
        open_sheet(path)
    assert "NUL" in refused.value.message


@pytest.mark.django_db
def test_an_import_with_a_nul_character_is_refused_with_a_clear_message(dinsos_operator):
    content = csv_bytes(family(1, first_serial=1)).replace(b"3276", b"32\x0076", 1)
    with pytest.raises(DomainError, match="NUL") as refused:
        import_start(
            actor=dinsos_operator,
            kind_key=HOUSEHOLDS.key,
            upload=SimpleUploadedFile("data.csv", content),
            language="en",
        )
    assert refused.value.code == "unreadable"
