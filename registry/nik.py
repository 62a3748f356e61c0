"""Local checks for NIK and No. KK numbers, run before any Dukcapil verification.

Why local: Dukcapil verification is throttled and only answers "sesuai / tidak sesuai", while most
bad numbers in usulan lists are typing mistakes or spreadsheet damage that a clerk can fix at once
if told plainly what went wrong. The checks follow the public layout ``PP KK CC DD MM YY SSSS``.
There is no check digit, so a number that passes is well-formed, not proven to exist.

Never decide that a person lives in Depok from a ``3276`` prefix: the region digits record where
the number was first issued and never change when people move (many Depok residents hold Jakarta
``31xx`` NIKs). Use the KK address or the Dukcapil domicile; this module deliberately offers no
such helper.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType

DATA_DIR = Path(__file__).resolve().parent / "data"
# Current Kepmendagri 2025 codes first, then codes that are no longer assigned but still appear
# on lifelong NIKs issued before a province split (Kalimantan Utara 2012, Papua 2022).
KABKOTA_FILES = ("kabkota.csv", "kabkota_historical.csv")
WILAYAH_FILE = "wilayah_depok.csv"
DEPOK_KABKOTA = "3276"

WIB = timezone(timedelta(hours=7), "WIB")  # Depok's civil date decides "today", not the server's.
NUMBER_LENGTH = 16
MAX_AGE_YEARS = 110
FEMALE_DAY_OFFSET = 40
SEX_MALE = "M"
SEX_FEMALE = "F"
LABEL_NIK = "NIK"
LABEL_KK = "No. KK"

# --- Clerk-facing messages (Indonesian) -------------------------------------------------------
_RETYPE = "Ketik ulang {label} dari KTP/KK dan simpan kolomnya sebagai Teks."
MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "empty": "{label} belum diisi.",
        "numeric_value": "{label} tersimpan sebagai angka (bukan teks), sehingga Excel bisa sudah "
        "mengubah digit terakhirnya menjadi 0. " + _RETYPE,
        "scientific_notation": "{label} '{raw}' sudah diubah Excel menjadi angka berformat ilmiah "
        "(E+15), sehingga digit-digit terakhirnya hilang. " + _RETYPE,
        "float_suffix": "{label} '{raw}' tertulis sebagai angka desimal (berakhiran ,0 atau .0): "
        "tanda data sudah diubah menjadi angka oleh Excel, dan digit terakhir bisa berubah. "
        + _RETYPE,
        "not_digits": "{label} hanya boleh berisi angka 0-9; ditemukan karakter lain: {chars}.",
        "hint_letters": " Huruf O atau I/l mungkin tertukar dengan angka 0 atau 1.",
        "hint_separators": " Titik, strip, atau garis miring tidak dipakai dalam {label}.",
        "lost_digit": "{label} harus 16 digit angka; yang diisi 15 digit. Kemungkinan digit "
        "terakhir hilang karena format Excel — ketik ulang {label} sebagai teks.",
        "length": "{label} harus 16 digit angka; yang diisi {count} digit. Periksa kembali "
        "dengan KTP/KK.",
        "unknown_region": "4 digit pertama {label} ({code}) bukan kode kabupaten/kota Kemendagri "
        "yang dikenal. Periksa kembali dengan KTP/KK.",
        "zero_serial": "4 digit terakhir {label} adalah 0000, padahal nomor urut selalu mulai "
        "dari 0001. Jika data berasal dari Excel, digit terakhir mungkin berubah menjadi 0 — "
        "periksa KTP/KK asli dan ketik ulang sebagai teks.",
        "bad_day": "Tanggal lahir pada NIK (digit 7-8) adalah {day}; seharusnya 01-31 untuk "
        "laki-laki atau 41-71 untuk perempuan.",
        "bad_month": "Bulan lahir pada NIK (digit 9-10) adalah {month}; seharusnya 01-12.",
        "bad_calendar": "Tanggal lahir pada NIK ({day}-{month}-{year}) tidak ada di kalender.",
        "bad_age": "Tanggal lahir pada NIK ({day}-{month}-{year}) berarti usia di luar "
        "0-110 tahun.",
        "sex_mismatch": "Jenis kelamin tercatat {recorded}, tetapi NIK menunjukkan {from_nik} "
        "(digit 7-8 = {day_field}). Periksa KTP/KK; ini peringatan, bukan penolakan.",
        "birth_date_mismatch": "Tanggal lahir tercatat {recorded}, tetapi NIK memuat {from_nik}. "
        "NIK tidak diterbitkan ulang walau tanggal lahir dikoreksi, jadi ini peringatan, bukan "
        "penolakan — cocokkan dengan data Dukcapil.",
        "unknown_kecamatan": "Kode kecamatan pada {label} ({code}) tidak ada dalam daftar "
        "kecamatan. Bisa jadi kode lama sebelum pemekaran; data tetap diterima.",
        "unknown_depok_kecamatan": "{label} ini dari Kota Depok (3276), tetapi kode kecamatannya "
        "({code}, digit 5-6) tidak ada di Depok, yang kecamatannya bernomor 01-11. Periksa "
        "KTP/KK dan ketik ulang; data tetap diterima dengan peringatan ini.",
        "kk_registration_date": "Digit 7-12 No. KK ({value}) bukan tanggal pencatatan yang sah. "
        "No. KK lama kadang berformat lain, jadi data tetap diterima; cocokkan dengan kartu asli.",
    }
)
SEX_LABELS: Mapping[str, str] = MappingProxyType({SEX_MALE: "Laki-laki", SEX_FEMALE: "Perempuan"})

_INVISIBLE = re.compile(r"[\s\u200b\ufeff]+")  # \s already covers NBSP pasted from web pages.
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+")
_FLOAT_SUFFIX = re.compile(r"\d+[.,]0+")
_ASCII_DIGITS = re.compile(r"[0-9]+")


# Refusals of a number of sixteen digits that a clerk still typed from a real card: an unknown
# region code or an impossible date is most often one typing mistake, and its other digits
# are evidence for matching with Dukcapil (see `Person.nik_unverified`).
DAMAGED_BUT_TYPED = frozenset({"unknown_region", "bad_date"})


class NikError(ValueError):
    """A NIK or No. KK that cannot be accepted.

    ``code`` is stable for programs (import reports, API errors); ``message`` is for the clerk.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdentifierWarning:
    """A doubt worth showing to a reviewer that must not block the record."""

    code: str
    message: str


@dataclass(frozen=True)
class ParsedNik:
    """A well-formed NIK; region codes are plain digits ("32", "3276", "327601")."""

    nik: str
    province_code: str
    kabkota_code: str
    kecamatan_code: str
    sex: str
    birth_date: date
    serial: str


@dataclass(frozen=True)
class ParsedKk:
    """A well-formed No. KK; ``registration_date`` is None when digits 7-12 are not a date."""

    kk: str
    province_code: str
    kabkota_code: str
    kecamatan_code: str
    registration_date: date | None
    serial: str
    warnings: tuple[IdentifierWarning, ...]


def _error(code: str, template: str | None = None, /, **values: object) -> NikError:
    return NikError(code, MESSAGES[template or code].format(**values))


def today_wib() -> date:
    """Return today's date in Western Indonesia Time (UTC+7, no daylight saving)."""
    return datetime.now(tz=WIB).date()


@cache
def kabkota_codes() -> Mapping[str, str]:
    """Map 4-digit kab/kota codes ("3276") to names, current and historical, read once."""
    codes: dict[str, str] = {}
    for filename in KABKOTA_FILES:
        with (DATA_DIR / filename).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                codes.setdefault(row["kode"].replace(".", ""), row["nama"])
    return MappingProxyType(codes)


def kabkota_name(code: str) -> str | None:
    """Return the kab/kota name for "3276" or "32.76", or None when the code is unknown."""
    return kabkota_codes().get(code.replace(".", ""))


def normalize_identifier(raw: str | int | float, *, label: str = LABEL_NIK) -> str:
    """Return the 16 digits of a typed or imported NIK / No. KK, or raise :class:`NikError`.

    Only whitespace (also inside the number) and one leading apostrophe (Excel's "store as
    text" prefix) are removed: anything else may hide damage, so it is refused with a reason.
    Numbers that reach us as int/float, in scientific notation ("3,27601E+15") or with a
    trailing ",0"/".0" went through a spreadsheet number cell, which keeps only 15 significant
    digits; the last digit may already be a wrong 0 that no check can detect, so the clerk must
    retype it. Fifteen digits gets its own code because a dropped digit is the usual cause.
    """
    if not isinstance(raw, str):
        raise _error("numeric_value", label=label)
    if len(raw) == NUMBER_LENGTH and raw.isascii() and raw.isdigit():
        return raw  # already clean, as nearly every imported cell is
    text = _INVISIBLE.sub("", raw)
    text = text.removeprefix("'")
    if not text:
        raise _error("empty", label=label)
    if _SCIENTIFIC.fullmatch(text):
        raise _error("scientific_notation", label=label, raw=text)
    if _FLOAT_SUFFIX.fullmatch(text):
        raise _error("float_suffix", label=label, raw=text)
    if not _ASCII_DIGITS.fullmatch(text):
        raise _not_digits(text, label)
    if len(text) == NUMBER_LENGTH - 1:
        raise _error("lost_digit", label=label)
    if len(text) != NUMBER_LENGTH:
        raise _error("length", label=label, count=len(text))
    return text


def _not_digits(text: str, label: str) -> NikError:
    others = sorted({char for char in text if not ("0" <= char <= "9")})
    message = MESSAGES["not_digits"].format(
        label=label, chars=", ".join(f"'{char}'" for char in others[:6])
    )
    if set(others) & set("OoIl"):
        message += MESSAGES["hint_letters"]
    if set(others) & set(".-/"):
        message += MESSAGES["hint_separators"].format(label=label)
    return NikError("not_digits", message)


def _region_codes(digits: str, label: str) -> tuple[str, str, str]:
    kabkota = digits[:4]
    if kabkota not in kabkota_codes():
        raise _error("unknown_region", label=label, code=kabkota)
    return digits[:2], kabkota, digits[:6]


def _check_serial(digits: str, label: str) -> str:
    serial = digits[12:]
    if serial == "0000":
        raise _error("zero_serial", label=label)
    return serial


def age_on(born: date, on: date) -> int:
    """Whole years of age on `on` of someone born on `born`."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@lru_cache(maxsize=1 << 16)  # every birth date of a century at most; imports repeat them
def _resolve_birth_date(day: int, month: int, yy: int, reference: date) -> date:
    """Pick the century that gives an age of 0-110; the younger reading wins a tie.

    A 110-year span can cover two readings (e.g. "20" = 1920 or 2020). The younger one is far
    more common among living registrants; a mismatch with the recorded birth date then shows up
    as a warning from :func:`check_nik_against`. A 29 February is kept if any candidate century
    makes it a real date (2000 was a leap year, 1900 was not).
    """
    calendar_valid = False
    century = reference.year // 100 * 100
    for base in (century, century - 100):
        try:
            candidate = date(base + yy, month, day)
        except ValueError:
            continue
        calendar_valid = True
        if candidate <= reference and age_on(candidate, reference) <= MAX_AGE_YEARS:
            return candidate
    template = "bad_age" if calendar_valid else "bad_calendar"
    raise _error("bad_date", template, day=f"{day:02d}", month=f"{month:02d}", year=f"{yy:02d}")


def parse_nik(raw: str | int | float, *, reference_date: date | None = None) -> ParsedNik:
    """Validate a NIK and split it into region, sex, birth date and serial.

    ``reference_date`` (default: today in WIB) anchors the century choice; pass the date of the
    document when re-checking old records. An unknown kecamatan is not an error here, because
    old pre-split codes are legitimate; see :func:`check_kecamatan`.
    """
    digits = normalize_identifier(raw, label=LABEL_NIK)
    province, kabkota, kecamatan = _region_codes(digits, LABEL_NIK)
    serial = _check_serial(digits, LABEL_NIK)
    day_field, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if 1 <= day_field <= 31:
        sex, day = SEX_MALE, day_field
    elif 1 + FEMALE_DAY_OFFSET <= day_field <= 31 + FEMALE_DAY_OFFSET:
        sex, day = SEX_FEMALE, day_field - FEMALE_DAY_OFFSET
    else:
        raise _error("bad_date", "bad_day", day=digits[6:8])
    if not 1 <= month <= 12:
        raise _error("bad_date", "bad_month", month=digits[8:10])
    birth_date = _resolve_birth_date(day, month, yy, reference_date or today_wib())
    return ParsedNik(digits, province, kabkota, kecamatan, sex, birth_date, serial)


def check_nik_against(
    parsed: ParsedNik, *, sex: str | None = None, birth_date: date | None = None
) -> list[IdentifierWarning]:
    """Compare recorded sex ('M'/'F') and birth date with what the NIK encodes, and a Depok
    NIK's kecamatan with Depok's kecamatan.

    Disagreements are warnings, never errors: the NIK is not re-issued when Dukcapil corrects
    a birth date, so real, valid records disagree. Only day, month and the two-digit year are
    compared, because the century is not in the NIK (the recorded date settles it).
    """
    warnings = depok_kecamatan_check(parsed)
    if sex is not None:
        if sex not in SEX_LABELS:
            raise ValueError(f"sex must be 'M' or 'F', got {sex!r}")
        if sex != parsed.sex:
            message = MESSAGES["sex_mismatch"].format(
                recorded=SEX_LABELS[sex],
                from_nik=SEX_LABELS[parsed.sex],
                day_field=parsed.nik[6:8],
            )
            warnings.append(IdentifierWarning("sex_mismatch", message))
    if birth_date is not None:
        encoded = parsed.birth_date
        if (birth_date.day, birth_date.month, birth_date.year % 100) != (
            encoded.day,
            encoded.month,
            encoded.year % 100,
        ):
            message = MESSAGES["birth_date_mismatch"].format(
                recorded=birth_date.strftime("%d-%m-%Y"), from_nik=encoded.strftime("%d-%m-%y")
            )
            warnings.append(IdentifierWarning("birth_date_mismatch", message))
    return warnings


def check_kecamatan(
    parsed: ParsedNik | ParsedKk, known_kecamatan_codes: Collection[str]
) -> list[IdentifierWarning]:
    """Warn when the 6-digit kecamatan prefix is not in a caller-supplied list.

    A hook, not a rule: codes from before a kecamatan split stay on lifelong NIKs, so this only
    ever warns. Codes may be given as "327601" or "32.76.01".
    """
    known = {code.replace(".", "") for code in known_kecamatan_codes}
    if parsed.kecamatan_code in known:
        return []
    label = LABEL_NIK if isinstance(parsed, ParsedNik) else LABEL_KK
    message = MESSAGES["unknown_kecamatan"].format(label=label, code=parsed.kecamatan_code)
    return [IdentifierWarning("unknown_kecamatan", message)]


@cache
def depok_kecamatan_codes() -> frozenset[str]:
    """The 6-digit codes ("327601") of Depok's kecamatan, from the project's wilayah data.

    Depok's kecamatan before the 2009 split (01-06) kept their codes, so the list holds every
    code a Depok NIK or No. KK may carry."""
    with (DATA_DIR / WILAYAH_FILE).open(encoding="utf-8", newline="") as handle:
        return frozenset(row["kode"].replace(".", "")[:6] for row in csv.DictReader(handle))


def depok_kecamatan_check(parsed: ParsedNik | ParsedKk) -> list[IdentifierWarning]:
    """Warn when a number of Depok (3276) carries a kecamatan code Depok does not have."""
    if parsed.kabkota_code != DEPOK_KABKOTA or parsed.kecamatan_code in depok_kecamatan_codes():
        return []
    label = LABEL_NIK if isinstance(parsed, ParsedNik) else LABEL_KK
    message = MESSAGES["unknown_depok_kecamatan"].format(
        label=label, code=parsed.kecamatan_code[4:]
    )
    return [IdentifierWarning("unknown_kecamatan", message)]


def parse_kk(raw: str | int | float, *, reference_date: date | None = None) -> ParsedKk:
    """Validate a No. KK: 16 digits, known kab/kota, serial not 0000.

    Digits 7-12 are the registration date (DDMMYY). An impossible date is only a warning,
    because older cards were numbered under varying local practice. The latest century not
    after ``reference_date`` is chosen. The No. KK changes when a family moves or splits, so
    it must never serve as a household's stable identifier.
    """
    digits = normalize_identifier(raw, label=LABEL_KK)
    province, kabkota, kecamatan = _region_codes(digits, LABEL_KK)
    serial = _check_serial(digits, LABEL_KK)
    reference = reference_date or today_wib()
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    registration_date: date | None = None
    century = reference.year // 100 * 100
    for base in (century, century - 100):
        try:
            candidate = date(base + yy, month, day)
        except ValueError:
            continue  # 29 February exists only in some centuries.
        if candidate <= reference:
            registration_date = candidate
            break
    warnings: tuple[IdentifierWarning, ...] = ()
    if registration_date is None:
        message = MESSAGES["kk_registration_date"].format(value=digits[6:12])
        warnings = (IdentifierWarning("kk_registration_date", message),)
    parsed = ParsedKk(digits, province, kabkota, kecamatan, registration_date, serial, warnings)
    if unknown := depok_kecamatan_check(parsed):
        parsed = replace(parsed, warnings=(*warnings, *unknown))
    return parsed
