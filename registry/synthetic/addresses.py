"""Where households live: kelurahan sizes, RW and RT numbering, street addresses.

The 63 kelurahan (FACTS §2.3) get roughly even shares of the city's households (Depok has
about 2.0M people, FACTS §6), varied by up to about a third either way. Each kelurahan has
8-25 RW, each RW 5-15 RT, so an RT holds a few dozen to about a hundred family cards, as
in Depok. Each RW has a handful of streets: main roads named after Depok's real ones, lanes
(gang) named after a mosque or a local haji, and housing estates with blocks.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate

from registry.synthetic.names import Pool

MAIN_ROADS = {
    "32.76.01": ("Jl. Raya Sawangan", "Jl. Kartini", "Jl. Dewi Sartika", "Jl. Pemuda"),
    "32.76.02": ("Jl. Raya Bogor", "Jl. Raya Jakarta-Bogor", "Jl. Tugu Raya", "Jl. Akses UI"),
    "32.76.03": ("Jl. Raya Muchtar", "Jl. Raya Sawangan", "Jl. Raya Pengasinan"),
    "32.76.04": ("Jl. Raya Limo", "Jl. Raya Krukut", "Jl. Raya Meruyung"),
    "32.76.05": ("Jl. Tole Iskandar", "Jl. Nusantara", "Jl. Raya Bogor", "Jl. Juanda"),
    "32.76.06": ("Jl. Margonda Raya", "Jl. Kukusan", "Jl. H. Asmawi", "Jl. Sawo"),
    "32.76.07": ("Jl. Raya Citayam", "Jl. Raya Cipayung", "Jl. Pitara Raya"),
    "32.76.08": ("Jl. Raya Jakarta-Bogor", "Jl. Raya Kalimulya", "Jl. Kalibaru"),
    "32.76.09": ("Jl. Cinere Raya", "Jl. Raya Gandul", "Jl. Pangkalan Jati"),
    "32.76.10": ("Jl. Raya Tapos", "Jl. Raya Cilangkap", "Jl. Raya Leuwinanggung"),
    "32.76.11": ("Jl. Raya Bojongsari", "Jl. Raya Ciputat-Parung", "Jl. Raya Serua"),
}
STREETS = Pool("""Jl. Melati 5, Jl. Kenanga 5, Jl. Mawar 5, Jl. Anggrek 4, Jl. Flamboyan 4,
Jl. Cempaka 4, Jl. Delima 3, Jl. Rambutan 4, Jl. Nangka 4, Jl. Durian 3, Jl. Belimbing 5,
Jl. Pepaya 3, Jl. Salak 3, Jl. Manggis 3, Jl. Mangga 3, Jl. Jambu 3, Jl. Kelapa Dua 3,
Jl. Merdeka 3, Jl. Swadaya 3, Jl. Pelita 2, Jl. Bhakti 3, Jl. Masjid 4, Jl. Kober 2,
Jl. Pancasila 2, Jl. Sukun 2, Jl. Bungur 2, Jl. Tanjung 2, Jl. Beringin 3, Jl. Asem 2,
Jl. Haji Dimun 2, Jl. Haji Nawi 2, Jl. Haji Rijin 2, Jl. Bambu Kuning 2, Jl. Cagar Alam 1""")
LANES = Pool("""Gg. H. Dul 3, Gg. H. Ali 3, Gg. H. Nimin 2, Gg. H. Ridi 2, Gg. H. Sa'aman 2,
Gg. H. Mansur 2, Gg. Masjid 5, Gg. Mushola 5, Gg. Langgar 3, Gg. Masjid Al-Ikhlas 3,
Gg. Masjid Nurul Huda 2, Gg. Damai 4, Gg. Swadaya 3, Gg. Pelita 3, Gg. Setia 3, Gg. Bhakti 3,
Gg. Keluarga 3, Gg. Sadar 2, Gg. Sawo 3, Gg. Manggis 2, Gg. Rambutan 3, Gg. Kelapa 2,
Gg. Kober 2, Gg. Swakarsa 2, Gg. Bambu 2, Gg. Makam 2, Gg. Empang 2, Gg. Kali 2, Gg. Rawa 2""")
ESTATES = Pool("""Perumnas Depok Utara 3, Perumnas Depok Timur 3, Perum Depok Maharaja 2,
Perum Villa Pertiwi 2, Perum Griya Depok Asri 2, Perum Bukit Cengkeh 2, Perum Pesona Depok 2,
Perum Sukmajaya Permai 2, Perum Taman Duta 2, Perum Pondok Duta 2, Perum Grand Depok City 2,
Perum Reni Jaya 2, Perum Pesona Khayangan 1, Perum Bumi Sawangan Indah 2,
Perum Mutiara Depok 2, Perum Permata Depok 2, Perum Puri Depok Mas 2, Perum Citayam Permai 1,
Perum Griya Tugu Asri 1, Perum Bella Casa 1, Perum Tapos Permai 1, Perum Bojong Depok Baru 2""")


class Wilayah:
    """Kelurahan shares and their RW/RT layout, fixed for one random seed."""

    def __init__(self, rng: random.Random, kelurahan_codes: Sequence[str]) -> None:
        if not kelurahan_codes:
            raise ValueError("no kelurahan to place households in")
        self.codes = tuple(kelurahan_codes)
        weights = [rng.uniform(0.65, 1.35) for _ in self.codes]
        self.cumulative = tuple(accumulate(weights))
        self.rt_counts = {
            code: tuple(rng.randint(5, 15) for _ in range(rng.randint(8, 25)))
            for code in self.codes
        }
        self.streets: dict[tuple[str, int], tuple[str, ...]] = {}
        for code, rws in self.rt_counts.items():
            for rw in range(1, len(rws) + 1):
                self.streets[code, rw] = _streets_of_rw(rng, code)

    def share(self, code: str) -> float:
        index = self.codes.index(code)
        previous = self.cumulative[index - 1] if index else 0.0
        return (self.cumulative[index] - previous) / self.cumulative[-1]

    def place(self, rng: random.Random) -> tuple[str, int, int, str]:
        """Kelurahan code, RW, RT and street address of a new household."""
        code = self.codes[bisect(self.cumulative, rng.random() * self.cumulative[-1])]
        rts = self.rt_counts[code]
        rw = rng.randrange(len(rts)) + 1
        rt = rng.randint(1, rts[rw - 1])
        street = rng.choice(self.streets[code, rw])
        return code, rw, rt, _address(rng, street)


def _streets_of_rw(rng: random.Random, code: str) -> tuple[str, ...]:
    streets = [LANES.pick(rng) for _ in range(rng.randint(1, 3))]
    streets += [STREETS.pick(rng) for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.3:
        streets.append(rng.choice(MAIN_ROADS.get(code[:8], ("Jl. Raya",))))
    if rng.random() < 0.35:
        streets.append(f"{ESTATES.pick(rng)} Blok {rng.choice('ABCDEFGH')}{rng.randint(1, 12)}")
    return tuple(streets)


def _address(rng: random.Random, street: str) -> str:
    number = rng.randint(1, 60 if " Blok " in street else 150)
    suffix = rng.choice("ABC") if rng.random() < 0.08 else ""
    return f"{street} No. {number}{suffix}"
