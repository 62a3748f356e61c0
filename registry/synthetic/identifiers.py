"""NIK and No. KK numbers that pass `registry.nik.parse_nik` / `parse_kk`, unique by design.

A NIK is `PP KK CC DD MM YY SSSS`: the region where it was first issued, the birth date
(day + 40 for women) and a serial from 0001 per region and date. Most residents hold a
Depok number (3276 + kecamatan); about a quarter hold one from where they lived before,
mostly Jakarta, Bogor, Bekasi and Tangerang, then the home regions of Depok's migrants.
Kecamatan 07-11 were split off around 2007-2009, so older residents there often hold the
code of the kecamatan they were split from (FACTS §2.3). A No. KK is the kecamatan that
issued it, the registration date and a serial.

Uniqueness: serials are counted per 12-digit stem in byte arrays, one per region prefix
(about 74 KB each), so the memory stays small and fixed however many persons are made.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import date

from registry.synthetic.names import Pool

DEPOK = "3276"
# Kecamatan formed from another around 2007-2009 [I], keyed new -> old code.
SPLIT_FROM = {"07": "01", "08": "05", "09": "04", "10": "02", "11": "03"}
SPLIT_YEAR = 2008
# Where Depok residents' non-Depok NIKs come from: kab/kota code, birthplace, weight.
ELSEWHERE = (
    ("3174", "Jakarta", 16), ("3175", "Jakarta", 14), ("3171", "Jakarta", 5),
    ("3172", "Jakarta", 4), ("3173", "Jakarta", 6), ("3201", "Bogor", 10),
    ("3271", "Bogor", 4), ("3275", "Bekasi", 3), ("3216", "Bekasi", 2),
    ("3603", "Tangerang", 4), ("3674", "Tangerang Selatan", 4), ("3273", "Bandung", 3),
    ("3205", "Garut", 3), ("3206", "Tasikmalaya", 2), ("3207", "Ciamis", 2),
    ("3208", "Kuningan", 2), ("3209", "Cirebon", 2), ("3211", "Sumedang", 1),
    ("3329", "Brebes", 2), ("3328", "Tegal", 2), ("3305", "Kebumen", 2),
    ("3302", "Banyumas", 1), ("3312", "Wonogiri", 2), ("3310", "Klaten", 1),
    ("3372", "Surakarta", 1), ("3471", "Yogyakarta", 1), ("3374", "Semarang", 1),
    ("3578", "Surabaya", 1), ("1371", "Padang", 2), ("1271", "Medan", 2),
    ("1671", "Palembang", 1),
)  # fmt: skip
ELSEWHERE_POOL = Pool(", ".join(f"{code} {weight}" for code, _, weight in ELSEWHERE))
BIRTHPLACE = {code: place for code, place, _ in ELSEWHERE}
DEPOK_BIRTHPLACES = Pool("Depok 60, Jakarta 18, Bogor 10, Bekasi 3, Bandung 3, Tangerang 2, "
                         "Garut 1, Tasikmalaya 1, Cirebon 1, Brebes 1")  # fmt: skip
_NIK_SLOTS = 100 * 12 * 31 * 2  # two-digit year x month x day x sex
_KK_SLOTS = 100 * 12 * 31


class _Serials:
    """The last serial used per stem, for stems `prefix + slot`; 255 overflows to a dict."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self.counts: dict[str, bytearray] = {}
        self.overflow: dict[tuple[str, int], int] = {}

    def take(self, prefix: str, slot: int) -> int:
        counts = self.counts.get(prefix)
        if counts is None:
            counts = self.counts[prefix] = bytearray(self.slots)
        value = counts[slot] + 1
        if value < 255:
            counts[slot] = value
            return value
        counts[slot] = 255
        value = self.overflow.get((prefix, slot), 254) + 1
        if value > 9999:
            raise RuntimeError(f"no serial left for {prefix} slot {slot}")
        self.overflow[prefix, slot] = value
        return value

    def note(self, prefix: str, slot: int, serial: int) -> None:
        """Record an existing number, so that later serials come after it."""
        counts = self.counts.get(prefix)
        if counts is None:
            counts = self.counts[prefix] = bytearray(self.slots)
        if serial < 255:
            counts[slot] = max(counts[slot], serial)
        else:
            counts[slot] = 255
            self.overflow[prefix, slot] = max(self.overflow.get((prefix, slot), 0), serial)


def _date_slot(day: int, month: int, year: int) -> int:
    return ((year % 100) * 12 + month - 1) * 31 + day - 1


class Identifiers:
    """Hands out unique NIK and No. KK numbers and the birthplace that goes with a NIK."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.niks = _Serials(_NIK_SLOTS)
        self.kks = _Serials(_KK_SLOTS)

    def nik_region(self, kecamatan: str, born: date, *, local_share: float) -> str:
        """The 6-digit region of a new NIK for a resident of Depok kecamatan "01".."11"."""
        rng = self.rng
        if rng.random() >= local_share:
            return f"{ELSEWHERE_POOL.pick(rng)}{rng.randint(1, 8):02d}"
        if kecamatan in SPLIT_FROM and born.year < SPLIT_YEAR - 17 and rng.random() < 0.5:
            kecamatan = SPLIT_FROM[kecamatan]
        return f"{DEPOK}{kecamatan}"

    def nik(self, region: str, sex: str, born: date) -> str:
        day = born.day + (40 if sex == "F" else 0)
        slot = _date_slot(born.day, born.month, born.year) * 2 + (sex == "F")
        serial = self.niks.take(region, slot)
        return f"{region}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"

    def birthplace(self, region: str) -> str:
        if region.startswith(DEPOK):
            return DEPOK_BIRTHPLACES.pick(self.rng)
        return BIRTHPLACE[region[:4]]

    def kk(self, kecamatan: str, registered: date) -> str:
        region = f"{DEPOK}{kecamatan}"
        serial = self.kks.take(
            region, _date_slot(registered.day, registered.month, registered.year)
        )
        return f"{region}{registered:%d%m}{registered.year % 100:02d}{serial:04d}"

    def note_existing(self, niks: Iterable[str], kks: Iterable[str]) -> None:
        """Continue after numbers already in the registry (when adding to it)."""
        for number in niks:
            day, month = int(number[6:8]), int(number[8:10])
            female = day > 40
            day -= 40 if female else 0
            if 1 <= day <= 31 and 1 <= month <= 12:
                slot = _date_slot(day, month, int(number[10:12])) * 2 + female
                self.niks.note(number[:6], slot, int(number[12:]))
        for number in kks:
            day, month = int(number[6:8]), int(number[8:10])
            if 1 <= day <= 31 and 1 <= month <= 12:
                slot = _date_slot(day, month, int(number[10:12]))
                self.kks.note(number[:6], slot, int(number[12:]))
