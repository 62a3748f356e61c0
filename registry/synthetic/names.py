"""Indonesian personal names as Depok's family cards show them, spelling variation included.

Frequencies are rough, by generation and background (Sundanese, Javanese, Betawi, Batak,
Minang, Christian), and names carry the variation that makes registry search hard: the
many spellings of Muhammad and Ahmad, pre-1972 spelling among the elderly (Soekarno,
Djoko, Tjahjono), H./Hj. titles, degrees after the name, "bin"/"binti" with the father's
name, and common alternative spellings (Rizki/Rizky, Zainal/Zaenal, Nurhayati/Nur Hayati).
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate


class Pool:
    """Weighted choices, drawn with one random number and a binary search."""

    def __init__(self, spec: str) -> None:
        pairs = [item.rsplit(" ", 1) for item in spec.replace("\n", " ").split(",") if item.strip()]
        self.items = tuple(name.strip() for name, _ in pairs)
        self.cumulative = tuple(accumulate(int(weight) for _, weight in pairs))

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


# Given names by generation: born before 1975, 1975-1994, from 1995.
MEN_OLD = Pool("""Slamet 30, Bambang 22, Agus 30, Budi 25, Dedi 15, Asep 28, Dadang 14, Ujang 10,
Cecep 6, Endang 6, Engkos 3, Entis 3, Yayat 4, Iwan 12, Joko 14, Sutrisno 10, Suparman 8,
Sugeng 7, Sukardi 6, Sumarno 5, Suyanto 6, Hartono 6, Widodo 5, Teguh 6, Heru 8, Eko 12,
Dwi 6, Tri 6, Mulyadi 6, Supriyadi 7, Sunarto 5, Rohim 4, Salim 5, Mamat 6, Udin 7, Juned 3,
Saiful 6, Sanusi 4, Muhidin 4, Romli 4, Kosim 3, Sueb 2, Jaenudin 4, Abdul 18, Ahmad 20,
Hasan 8, Husein 4, Ali 6, Umar 4, Usman 5, Ibrahim 5, Ismail 6, Yusuf 7, Zainal 6,
Zulkifli 4, Arif 6, Rahmat 8, Hidayat 5, Ridwan 6, Imam 5, Nur 5, Taufik 6, Hendra 8,
Rudi 10, Andi 8, Yanto 6, Maman 4, Oman 3, Dudung 3, Jajang 4, Nandang 3, Dadan 5,
Wawan 6, Yadi 4, Ade 8, Dede 6, Usep 3, Uus 2, Darmawan 3, Syamsul 4, Rusli 3, Sahat 1,
Togar 1, Yohanes 2, Stefanus 1, Agustinus 2, Fransiskus 1, Daniel 2, Paulus 2, Petrus 1""")
MEN_MID = Pool("""Agus 20, Budi 12, Dedi 14, Asep 18, Andi 14, Rudi 10, Hendra 12, Eko 10,
Dwi 10, Ahmad 22, Muhammad 6, Arif 10, Rahmat 8, Ridwan 8, Fajar 6, Ilham 6, Iwan 8, Irfan 8,
Faisal 8, Firman 8, Hendri 6, Rizal 8, Yudi 8, Wahyu 10, Bayu 6, Dimas 4, Reza 6, Yoga 5,
Adi 10, Deni 10, Doni 6, Roni 6, Toni 5, Jaka 3, Ujang 6, Cecep 4, Dadan 5, Deden 5, Aep 3,
Saepul 6, Syaiful 5, Taufik 8, Zainal 4, Imam 5, Lukman 5, Hamzah 3, Iqbal 5, Amir 4,
Anwar 4, Fauzi 6, Hasan 5, Ali 5, Yusuf 6, Ismail 4, Abdul 10, Hidayat 4, Nur 3, Rohmat 4,
Sandi 5, Heri 8, Indra 8, Yogi 4, Galih 3, Rangga 3, Kevin 2, Daniel 2, Yosua 1, Michael 1,
Samuel 1, Christian 1, Ricky 3, Benny 3""")
MEN_YOUNG = Pool("""Muhammad 40, Ahmad 14, Rizki 14, Fajar 10, Dimas 8, Bayu 6, Gilang 6,
Raka 5, Arya 6, Fikri 6, Rafi 8, Daffa 8, Alif 6, Farhan 8, Aditya 8, Reza 5, Rafli 5,
Naufal 6, Haikal 5, Akbar 5, Rangga 4, Aldi 5, Ilham 6, Galih 3, Yoga 4, Bima 3, Rehan 4,
Zidan 5, Azka 4, Arkan 4, Athar 4, Rayyan 4, Alvaro 3, Gibran 3, Kenzo 2, Abimanyu 2,
Satria 3, Putra 3, Fadil 4, Hafiz 4, Iqbal 4, Rizal 3, Andika 4, Dafa 3, Adit 3, Kevin 3,
Nathan 2, Jonathan 2, Gabriel 2, Samuel 1, Arsyad 2, Khalid 2, Umar 3, Ali 3, Hamzah 3,
Bagus 3, Surya 3, Rizal 2, Ikhsan 3, Ihsan 2, Habib 2, Yusuf 3, Faqih 2, Fahri 3, Fathir 3,
Rasya 3, Aksa 3, Al Fatih 3, Sultan 2, Elang 1, Bintang 3, Langit 1, Malik 3, Ibrahim 3,
Zaki 3, Rafa 4, Raffi 3, Kenan 2, Shaka 2, Omar 2, Zain 3, Faris 3, Daniyal 1, Hanif 3""")
WOMEN_OLD = Pool("""Siti 45, Sri 28, Nur 14, Dewi 8, Ani 8, Endang 7, Sumiati 6, Suryani 5,
Sulastri 5, Wahyuni 4, Rahayu 4, Yuli 4, Aminah 8, Aisyah 5, Fatimah 6, Khadijah 3,
Maryam 4, Halimah 4, Rohani 3, Euis 8, Neneng 6, Imas 5, Iis 5, Cucu 4, Enok 3, Entin 3,
Nining 4, Lilis 6, Yati 5, Tati 4, Titin 5, Oom 2, Eti 4, Atikah 3, Komariah 4, Mulyani 5,
Rukmini 3, Sumarni 4, Suparmi 3, Sukarsih 3, Tuti 5, Yayah 3, Mimin 3, Romlah 4, Rohimah 3,
Juleha 2, Munah 2, Zaenab 3, Saodah 3, Masitoh 3, Hamidah 3, Nurlela 3, Marsinah 2,
Ratna 6, Yanti 6, Kartini 3, Suharti 3, Sumarsih 3, Ngatini 2, Painem 1, Tumini 2, Maria 3,
Theresia 1, Kristina 1, Elisabeth 1, Martha 1""")
WOMEN_MID = Pool("""Siti 30, Sri 14, Nur 14, Dewi 16, Rina 10, Yanti 8, Ratna 6, Fitri 10,
Nurhayati 8, Lestari 4, Rahayu 4, Wulan 5, Yuli 6, Eka 6, Dian 8, Ika 6, Lina 6, Rini 6,
Tika 4, Evi 5, Novi 6, Indah 6, Intan 4, Mega 4, Rosa 2, Euis 4, Neneng 4, Lilis 4,
Imas 3, Eva 4, Heni 5, Yeni 5, Leni 4, Susi 5, Desi 6, Vera 3, Wati 4, Ani 5, Ida 4,
Aisyah 4, Fatimah 3, Nurul 8, Umi 4, Rohmah 3, Aminah 3, Hasanah 3, Maria 2, Natalia 1,
Monica 1, Agnes 1, Lusi 2""")
WOMEN_YOUNG = Pool("""Siti 14, Nur 10, Putri 14, Nabila 10, Aulia 10, Salsabila 8, Zahra 10,
Keisha 5, Nayla 8, Alya 8, Aisyah 10, Azzahra 8, Anisa 8, Intan 5, Dinda 6, Amelia 6,
Citra 5, Ayu 6, Tiara 5, Safira 5, Kirana 4, Adinda 4, Khanza 4, Syifa 6, Rania 4, Naura 5,
Arsyila 3, Alesha 3, Dewi 4, Fitri 4, Nurul 5, Rahma 4, Zaskia 3, Cahaya 2, Bunga 2,
Felicia 1, Grace 1, Michelle 1, Natasha 1, Clara 2, Jessica 1, Hana 4, Raisa 3, Maharani 3,
Khairunnisa 3, Nadia 4, Najwa 4, Shafa 3, Kayla 4, Aqila 3, Humaira 3, Adzkia 2, Almira 3,
Aurel 3, Bilqis 2, Callista 2, Dzakira 2, Fadhila 3, Ghaisani 2, Hafsah 2, Inara 2, Jihan 3,
Kamila 3, Latifa 2, Mikayla 3, Nafisa 3, Rara 3, Sabrina 3, Tsabita 2, Yasmin 3, Zivana 2""")
# Second names: for men mostly patronymic-like or Javanese/Sundanese compounds.
MEN_SECOND = Pool("""Saputra 14, Hidayat 14, Nugroho 10, Santoso 10, Wijaya 8, Setiawan 12,
Kurniawan 12, Gunawan 8, Pratama 12, Permana 8, Firmansyah 8, Hermawan 6, Ramadhan 8,
Prasetyo 10, Susanto 6, Hartono 4, Suryadi 5, Sudrajat 5, Supriatna 6, Saepudin 8,
Suherman 5, Rohendi 3, Suryana 4, Rusmana 3, Mulyana 5, Sukmana 3, Hidayatullah 4,
Maulana 8, Kusuma 5, Hakim 5, Rahman 8, Syahputra 6, Wibowo 8, Effendi 4, Iskandar 4,
Fauzi 6, Rizki 4, Abdullah 5, Salim 3, Sanjaya 4, Purnomo 4, Riyadi 4, Sutrisno 3,
Pamungkas 2, Aziz 3, Karim 3, Syahrial 2, Kurnia 4, Suganda 2, Wahyudi 6, Budiman 4,
Darmawan 4, Ramdani 4, Sopian 3, Gozali 2, Ardiansyah 5, Septian 4, Nurdin 3, Syahroni 2,
Hasibuan 2, Rohman 3, Mubarok 3, Fadillah 4, Akbar 5, Alfarizi 3, Ramadan 3, Aditya 4,
Prakoso 3, Utomo 4, Nugraha 5, Hakiki 2, Ibrahim 3, Yusuf 3, Arifin 4, Baihaqi 2, Faturrahman 2,
Abdillah 3, Firdaus 3, Zulfikar 2, Anugrah 3, Putra 8, Pratomo 2, Wicaksono 3, Hidayatulloh 2""")
WOMEN_SECOND = Pool("""Lestari 10, Wahyuni 10, Rahayu 8, Handayani 8, Susanti 8, Marlina 8,
Kurniasih 6, Sari 10, Fitriani 8, Puspita 5, Anggraini 8, Purnamasari 5, Rahmawati 10,
Safitri 8, Agustina 6, Yuliani 6, Kusumawati 4, Komalasari 4, Nurjanah 6, Oktaviani 5,
Ramadhani 6, Hasanah 6, Aminah 5, Hidayah 5, Nurhaliza 4, Pertiwi 4, Permatasari 5,
Maharani 4, Novitasari 4, Wulandari 6, Apriliani 3, Setiawati 4, Mulyani 4, Suryani 4,
Nuraini 5, Khairunnisa 3, Fauziah 4, Zahra 3, Putri 8, Ayu 5, Amalia 5, Rahmah 3,
Utami 4, Salsabila 3, Azzahra 4, Kurniawati 3, Febriani 4, Damayanti 4, Andriani 4,
Hermawati 2, Nurlaila 2, Khoirunnisa 2, Sulistiawati 2, Septiani 4, Januarti 2, Indriani 3,
Cahyani 3, Nabila 3, Aulia 4, Zakiyah 2, Rosmawati 2, Mardiah 2, Kartika 4, Pratiwi 5""")
# Batak marga and the families of Depok Lama pass from father to children.
FAMILY_NAMES = Pool("""Nasution 10, Siregar 8, Harahap 7, Lubis 7, Simanjuntak 5, Sitompul 3,
Hutapea 3, Panjaitan 4, Sinaga 4, Tanjung 4, Pohan 2, Jonathans 1, Laurens 1, Loen 1,
Tholense 1, Bacas 1, Isakh 1, Soedira 1""")
# "Abdul" is never a name alone: it precedes one of the names of God.
ABDUL_SUFFIX = Pool("""Rahman 10, Aziz 8, Malik 6, Karim 6, Hakim 5, Gani 5, Rosyid 4,
Latif 4, Wahab 4, Majid 4, Syukur 3, Kodir 4, Manan 3, Halim 3, Rohim 3, Basir 2, Jalil 2""")
BINTI_FATHERS = Pool("""Abdullah 10, Ahmad 8, Muhammad 8, Hasan 5, Salim 4, Umar 4, Usman 4,
Ismail 4, Sulaiman 4, Ibrahim 4, Yusuf 4, Syamsudin 3, Jaelani 3, Marzuki 3, Mahmud 3""")

GIVEN = {"M": (MEN_OLD, MEN_MID, MEN_YOUNG), "F": (WOMEN_OLD, WOMEN_MID, WOMEN_YOUNG)}
SECOND = {"M": MEN_SECOND, "F": WOMEN_SECOND}
# Words in a name by generation: older Javanese and Sundanese often had one, the young three.
WORD_COUNTS = (Pool("1 45, 2 50, 3 5"), Pool("1 25, 2 60, 3 15"), Pool("1 6, 2 52, 3 42"))

# Muhammad as it is written on family cards; normalize_name maps them all to one token.
MUHAMMAD_FORMS = Pool("Muhammad 55, Muhamad 12, M. 12, Mohammad 6, Moch. 6, Mochammad 4, "
                      "Mohamad 3, Moh. 2")  # fmt: skip
AHMAD_FORMS = Pool("Ahmad 75, Achmad 20, Akhmad 5")
# Spellings of the same name seen in one office; the first is the most common.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "Rizki": ("Rizky", "Rizqi", "Rizqy"), "Zainal": ("Zaenal",), "Saiful": ("Syaiful", "Saepul"),
    "Syaiful": ("Saiful", "Saepul"), "Saepul": ("Saiful", "Syaiful", "Saeful"),
    "Saepudin": ("Saefudin", "Syaifudin", "Saifuddin"), "Yusuf": ("Yusup", "Jusuf"),
    "Nurhayati": ("Nur Hayati",), "Nurhaliza": ("Nur Haliza",), "Nurjanah": ("Nur Jannah",),
    "Fauzi": ("Fauzy",), "Aisyah": ("Aisah", "Aisyiah"), "Husein": ("Husain", "Husin"),
    "Fitri": ("Fitry",), "Ramadhan": ("Ramadan", "Romadhon"), "Khadijah": ("Hadijah",),
    "Hasanah": ("Khasanah",), "Taufik": ("Taufiq",), "Rahmat": ("Rachmat", "Rohmat"),
    "Rahman": ("Rachman", "Rohman"), "Zaenab": ("Zainab",), "Wahyudi": ("Wahyudy",),
    "Dewi": ("Dewy",), "Yanti": ("Yanthi",), "Firmansyah": ("Firmansah",),
    "Effendi": ("Efendi", "Effendy"), "Sopian": ("Sofyan", "Sofian"), "Syamsul": ("Samsul",),
    "Rohimah": ("Rokhimah",), "Nuraini": ("Nur Aini",), "Fauziah": ("Fauziyah",),
}  # fmt: skip
PREFIX_TITLES = {"M": "H.", "F": "Hj."}
DEGREES = ("S.Pd.", "S.E.", "S.Kom.", "S.H.", "S.Sos.", "S.T.", "A.Md.", "S.Ag.", "S.Kep.")


@dataclass(frozen=True, slots=True)
class Style:
    """What a family's names share: a marga passed to the children, if any."""

    family_name: str | None


def old_spelling(name: str) -> str:
    """Write a name the pre-1972 way: u -> oe, j -> dj, y -> j, c -> tj (Tjahjono)."""
    return (
        name.replace("j", "dj")
        .replace("y", "j")
        .replace("c", "tj")
        .replace("u", "oe")
        .replace("C", "Tj")
        .replace("J", "Dj")
        .replace("Y", "J")
        .replace("U", "Oe")
    )


class NameMaker:
    """Draws full names; every choice comes from the given random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def style(self) -> Style:
        return Style(FAMILY_NAMES.pick(self.rng) if self.rng.random() < 0.05 else None)

    def given(self, sex: str, born_year: int) -> list[str]:
        """One or two given names, Muhammad/Ahmad/Abdul written the way the family wrote them."""
        rng = self.rng
        first = GIVEN[sex][0 if born_year < 1975 else 1 if born_year < 1995 else 2].pick(rng)
        if first == "Muhammad":
            second = (MEN_YOUNG if born_year >= 1995 else MEN_MID).pick(rng)
            return [MUHAMMAD_FORMS.pick(rng), "Rizki" if second == "Muhammad" else second]
        if first == "Ahmad":
            return [AHMAD_FORMS.pick(rng)]
        if first == "Abdul":
            return ["Abdul", ABDUL_SUFFIX.pick(rng)]
        if sex == "M" and rng.random() < 0.06:
            return [MUHAMMAD_FORMS.pick(rng), first]
        return [first]

    def full_name(
        self,
        *,
        sex: str,
        born_year: int,
        style: Style,
        father_last: str | None = None,
        titled: bool = False,
        degree: bool = False,
    ) -> str:
        """A name as written on a family card, with the family's spelling habits."""
        rng = self.rng
        cohort = 0 if born_year < 1975 else 1 if born_year < 1995 else 2
        parts = self.given(sex, born_year)
        ending = None
        roll = rng.random()
        if style.family_name is not None and (sex == "M" or roll < 0.7):
            ending = style.family_name
        elif father_last is not None and roll < 0.3:
            ending = father_last  # children often carry their father's last name
        wanted = int(WORD_COUNTS[cohort].pick(rng))
        if ending is None and len(parts) < wanted:
            pool = SECOND[sex] if rng.random() < 0.75 else GIVEN[sex][cohort]
            ending = self._another_word(pool, parts)
        while len(parts) + 1 < wanted:  # middle names: more given names
            parts.append(self._another_word(GIVEN[sex][cohort], [*parts, ending or ""]))
        if ending is not None:
            parts.append(ending)
        name = " ".join(self._respell(part) for part in parts)
        if born_year < 1965 and rng.random() < (0.45 if born_year < 1955 else 0.15):
            name = old_spelling(name)
        if rng.random() < 0.015:
            connector = "bin" if sex == "M" else "binti"
            name = f"{name} {connector} {BINTI_FATHERS.pick(rng)}"
        if titled:
            name = f"{PREFIX_TITLES[sex]} {name}"
        if degree:
            name = f"{name}, {rng.choice(DEGREES)}"
        return name

    def _another_word(self, pool: Pool, taken: list[str]) -> str:
        for _ in range(5):
            word = pool.pick(self.rng)
            if word not in taken and word not in ("Muhammad", "Abdul", "Ahmad"):
                return word
        return SECOND["M"].pick(self.rng)

    def _respell(self, part: str) -> str:
        variants = SPELLINGS.get(part)
        if variants is not None and self.rng.random() < 0.2:
            return self.rng.choice(variants)
        return part


def last_name(full_name: str) -> str | None:
    """The last word of a name that a child could inherit, if it has more than one word."""
    words = full_name.split(",")[0].split()
    if len(words) < 2 or words[-2] in ("bin", "binti"):
        return None
    return words[-1]


def typing_variant(rng: random.Random, full_name: str) -> str:
    """The name as a clerk might type it into the search box when looking someone up.

    One or two of: another spelling of a word, the title or degree left out, a middle name
    dropped, everything in lower case.
    """
    return typing_variant_kinds(rng, full_name)[0]


def typing_variant_kinds(rng: random.Random, full_name: str) -> tuple[str, tuple[str, ...]]:
    """`typing_variant` (the same draws, so the same text) and the changes that took effect:
    "spelling", "title" (a title or degree left out), "middle", "lower"."""
    words = full_name.split(",")[0].split()
    title = words[:1] if words[0] in PREFIX_TITLES.values() else []
    words = words[len(title) :]
    changes = rng.sample(("spelling", "title", "middle", "lower"), k=rng.choice((1, 1, 2)))
    kinds: list[str] = []
    if "spelling" in changes:
        respelled = [_another_spelling(rng, word) for word in words]
        kinds += ["spelling"] if respelled != words else []
        words = respelled
    if "middle" in changes and len(words) >= 3:
        del words[rng.randrange(1, len(words) - 1)]
        kinds.append("middle")
    if "title" in changes or rng.random() < 0.5:
        kinds += ["title"] if title else []
        title = []
    kinds += ["title"] if "," in full_name and "title" not in kinds else []
    query = " ".join(title + words)
    if "lower" in changes:
        kinds.append("lower")
        query = query.lower()
    return query, tuple(kinds)


def _another_spelling(rng: random.Random, word: str) -> str:
    if word in MUHAMMAD_FORMS.items:
        return rng.choice(MUHAMMAD_FORMS.items)
    if word in AHMAD_FORMS.items:
        return rng.choice(AHMAD_FORMS.items)
    for canonical, variants in SPELLINGS.items():
        if word == canonical:
            return rng.choice(variants)
        if word in variants:
            return canonical
    return word
