"""The columns an import file may have: names, the other spellings accepted, and their help.

A header cell matches a column when it reads the same ignoring case, spaces, dots and
dashes ("No. KK", "NO_KK" and "no kk" are all `no_kk`); common Dukcapil field names
(`NAMA_LGKP`, `STAT_HBKEL`, ...) are accepted as other spellings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from registry.imports.values import fold


@dataclass(frozen=True)
class Column:
    name: str
    help: str | Promise
    example: str = ""
    required: bool = True  # the column must be in the file (a cell may still be optional)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """Where each known column is in one file, and what did not fit."""

    positions: dict[str, int]
    headers: dict[str, str]  # column name -> the header as written in the file
    missing: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        return self.headers.get(name, name)


def layout(headers: Sequence[str], columns: Sequence[Column]) -> Layout:
    """Match a file's header cells to `columns`; the first matching cell wins."""
    by_spelling: dict[str, str] = {}
    for column in columns:
        for spelling in (column.name, *column.aliases):
            by_spelling.setdefault(fold(spelling), column.name)
    positions: dict[str, int] = {}
    written: dict[str, str] = {}
    ignored: list[str] = []
    for position, header in enumerate(headers):
        name = by_spelling.get(fold(header))
        if name is None or name in positions:
            if header.strip():
                ignored.append(header.strip())
            continue
        positions[name] = position
        written[name] = header.strip()
    missing = [c.name for c in columns if c.required and c.name not in positions]
    return Layout(positions=positions, headers=written, missing=missing, ignored=ignored)


HOUSEHOLD_COLUMNS: tuple[Column, ...] = (
    Column(
        "no_kk",
        _("No. KK, 16 digits, as text. All members of one family share it."),
        "3276011503200001",
        aliases=("nomor_kk", "nokk", "no_kartu_keluarga"),
    ),
    Column(
        "kelurahan_code",
        _("Kemendagri kelurahan code, for example 32.76.01.1006."),
        "32.76.01.1006",
        aliases=("kode_kelurahan", "kode_kel", "kelurahan"),
    ),
    Column("rw", _("RW number, 1-999."), "3", aliases=("no_rw",)),
    Column("rt", _("RT number, 1-999."), "7", aliases=("no_rt",)),
    Column("alamat", _("Street address of the family."), "Jl. Melati No. 8", aliases=("address",)),
    Column(
        "nik",
        _("NIK, 16 digits, as text. Leave empty for a newborn without a NIK yet."),
        "3276012505850001",
        aliases=("no_nik",),
    ),
    Column(
        "alasan_tanpa_nik",
        _(
            "Why the member has no NIK (optional column): needed when a member aged 17 or "
            "older has none, for example: never recorded at Dukcapil, documents lost."
        ),
        "",
        required=False,
        aliases=("alasan_tidak_ada_nik", "alasan_nik_kosong", "nik_missing_reason"),
    ),
    Column(
        "nama",
        _("Full name as on the family card."),
        "Slamet Riyadi",
        aliases=("nama_lengkap", "nama_lgkp"),
    ),
    Column(
        "jenis_kelamin",
        _("L (laki-laki) or P (perempuan)."),
        "L",
        aliases=("jk", "jenis_klmin", "sex"),
    ),
    Column(
        "tempat_lahir",
        _("Place of birth (optional)."),
        "Depok",
        required=False,
        aliases=("tmpt_lhr",),
    ),
    Column(
        "tanggal_lahir",
        _("Date of birth, YYYY-MM-DD or DD-MM-YYYY."),
        "1985-05-25",
        aliases=("tgl_lahir", "tgl_lhr"),
    ),
    Column(
        "hubungan",
        _(
            "Relationship to the head, Dukcapil STAT_HBKEL code: 1 head, 2 husband, 3 wife, "
            "4 child, 5 child-in-law, 6 grandchild, 7 parent, 8 parent-in-law, 9 other "
            "relative, 10 domestic worker, 11 other. Exactly one head per family."
        ),
        "1",
        aliases=("stat_hbkel", "shdk", "hubungan_keluarga"),
    ),
    Column(
        "status_kawin",
        _("belum_kawin, kawin, cerai_hidup or cerai_mati (or Dukcapil code 1-4)."),
        "kawin",
        aliases=("stat_kwn", "status_perkawinan"),
    ),
    Column(
        "pendidikan",
        _(
            "belum_sekolah, tidak_sekolah, belum_tamat_sd, sd, smp, sma, d1_d3, d4_s1 or "
            "s2_s3 (Dukcapil PDDK_AKH labels are accepted too)."
        ),
        "sma",
        aliases=("pddk_akh", "pendidikan_terakhir"),
    ),
    Column(
        "pekerjaan",
        _("Occupation (optional)."),
        "Pedagang",
        required=False,
        aliases=("jenis_pkrjn",),
    ),
    Column(
        "disabilitas",
        _(
            "Empty or none, physical, sensory, intellectual, mental, multiple (or fisik, "
            "sensorik, intelektual, mental, ganda)."
        ),
        "",
        required=False,
        aliases=("penyandang_disabilitas", "disability"),
    ),
)

DESIL_COLUMNS: tuple[Column, ...] = (
    Column(
        "nik",
        _("NIK of the person ranked, 16 digits as text; or leave empty and give no_kk."),
        "3276012505850001",
        required=False,
        aliases=("no_nik",),
    ),
    Column(
        "no_kk",
        _("No. KK of the family ranked, 16 digits as text; or leave empty and give nik."),
        "",
        required=False,
        aliases=("nomor_kk", "nokk", "no_kartu_keluarga"),
    ),
    Column("desil", _("DTSEN desil, 1 (poorest) to 10."), "3", aliases=("decile",)),
    Column(
        "periode",
        _("The DTSEN quarter, for example 2026Q1."),
        "2026Q1",
        aliases=("period", "triwulan"),
    ),
)


def assessment_columns(parameters: Sequence[tuple[str, str, str]]) -> tuple[Column, ...]:
    """The assessment columns for the active ruleset: (code, label, options) per parameter."""
    fixed = (
        Column(
            "no_kk",
            _("No. KK of the household (its current card); or give nomor_registrasi."),
            "3276011503200001",
            required=False,
            aliases=("nomor_kk", "nokk", "no_kartu_keluarga"),
        ),
        Column(
            "nomor_registrasi",
            _("Registry number of the household, for example KDS-0000123; or give no_kk."),
            "",
            required=False,
            aliases=("registry_number", "no_registrasi"),
        ),
        Column(
            "tanggal",
            _("Date of the assessment, YYYY-MM-DD or DD-MM-YYYY; not in the future."),
            "2026-02-14",
            aliases=("tanggal_asesmen", "assessed_on", "tgl"),
        ),
    )
    answers = tuple(
        Column(code, f"{label}: {options}", options.split(", ")[0])
        for code, label, options in parameters
    )
    return fixed + answers
