"""Name search ranking: the household the clerk meant comes first among many namesakes."""

from __future__ import annotations

from datetime import date

import pytest

from depok_kds.models import User
from registry.forms import HouseholdSearchForm
from registry.models import Household, Kelurahan, NameWord
from registry.selectors import household_list, person_list
from registry.services import name_words_refresh
from tests.registry.factories import KELURAHAN_DEPOK, HouseholdFactory, PersonFactory

pytestmark = pytest.mark.django_db

NAMESAKES = [
    "Siti Aminah",
    "Siti Rahayu",
    "Siti Nurhaliza",
    "Ahmad Fauzi",
    "Ahmad Hidayat",
    "Muhammad Rizki",
    "Muhammad Agus Salim",
    "Agus Salim",
    "Komariah",
    "Siti Komariah Putri",
]


def household(
    name: str, *, born: date = date(1980, 1, 1), address: str = "Jl. Melati"
) -> Household:
    home = HouseholdFactory(kelurahan_id=KELURAHAN_DEPOK, address=address)
    head = PersonFactory(household=home, full_name=name, relationship="1", birth_date=born)
    Household.objects.filter(pk=home.pk).update(head=head)
    home.head = head
    return home


@pytest.fixture
def namesakes() -> None:
    for round_ in range(3):
        for name in NAMESAKES:
            household(name, born=date(1960 + round_, 5, 5))
    name_words_refresh()


def first(user: User, q: str, **filters: object) -> Household:
    return next(iter(household_list(user=user, q=q, **filters)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        ("Siti Aminah Komariah Zulfa", "siti zulfa"),  # a middle name dropped
        ("Siti Aminah Komariah Zulfa", "ZULFA KOMARIAH SITI"),  # words reordered
        ("Ahmad Dahlan bin Sulaiman", "ahmad dahlan"),  # bin, without the father's name
        ("Ahmad Dahlan bin Sulaiman", "Ahmad Dahlan bin Sulaiman"),  # with it
        ("Ahmad Dahlan", "Achmad Dahlan bin Sulaiman"),  # the father's name not registered
        ("Soeharti Djojo", "suharti joyo"),  # old spelling registered, new typed
        ("Suharti Joyo", "Soeharti Djojo"),  # and the other way round
        ("Muhammad Rizky Ramadhan", "m rizki ramadhan"),  # Rizky / Rizki, M. for Muhammad
        ("Zaenal Arifin Komariah", "zainal arifin"),  # a spelling the normaliser leaves
        ("Siti Aminah binti Abdullah", "siti aminah abdullah"),  # binti left out, father kept
        ("Siti Aminah Abdullah", "siti aminah binti abdullah"),  # binti typed, not registered
        ("Noer Hidajat", "nur hidayat"),  # oe / u and j / y
        ("Nur Hidayat", "Noer Hidajat"),
        ("Djoko Tjahjono", "joko cahyono"),  # dj / j, tj / c
        ("Cahyono Sukarno", "tjahjono soekarno"),
        ("Jusuf Hidajat", "yusuf hidayat"),  # an old bare j with no digraph to tell it
        ("Yusuf Hidayat", "jusuf hidajat"),
        ("Chairul Anwar", "khairul anwar"),  # ch / kh
        ("Khairul Anwar", "chairul anwar"),
        ("Abdullah Sitti Aminah", "abdulah siti aminah"),  # double letters
        ("Siti Aminah Wulandari", "sity aminha wulandary"),  # typos in every word
        ("Siti Aminah Wulandari", "wulandari siti"),  # reordered and a word dropped
        ("Rizki Sultan", "rizqy sultan"),  # q / k and a final y / i
        ("Zainal Fauzi", "zaenal fauzy"),  # ae / ai
        ("Taufik Hidayat", "taufiq hidayat"),
    ],
)
def test_the_wanted_household_is_first_among_namesakes(
    dinsos_operator: User, namesakes: None, registered: str, typed: str
) -> None:
    wanted = household(registered)
    household("Dahlan Iskandar")  # one shared word is not enough
    name_words_refresh()

    assert first(dinsos_operator, typed) == wanted


def test_a_match_on_a_rare_word_outranks_one_on_a_common_word(
    dinsos_operator: User, namesakes: None
) -> None:
    # Neither holds both typed words; "Komariah" is rarer in the registry than "Siti".
    common = household("Siti Wulandari")
    rare = household("Komariah Wulandari Sari")
    name_words_refresh()

    result = list(household_list(user=dinsos_operator, q="siti komariah wulandari"))

    assert result.index(rare) < result.index(common)


def test_every_typed_word_found_outranks_a_closer_whole_name(
    dinsos_operator: User, namesakes: None
) -> None:
    partial = household("Muhammad Agus Hidayatullah")  # nearly the typed name, lacks "salim"
    complete = household("Muhammad Agus Salim Hidayatullah Putra Pratama")

    result = list(household_list(user=dinsos_operator, q="muhammad agus hidayatullah salim"))

    assert result.index(complete) < result.index(partial)


def test_a_dropped_middle_name_outranks_a_dropped_last_name(
    dinsos_operator: User, namesakes: None
) -> None:
    # Clerks keep the first and last names and leave out a middle one: "citra hidayat" is
    # more likely Citra Keisha Hidayat than one of the Citra Hidayat Putris.
    for _ in range(25):
        household("Citra Hidayat Putri")
    wanted = household("Citra Keisha Hidayat")
    name_words_refresh()

    assert first(dinsos_operator, "citra hidayat") == wanted


def test_a_birth_year_or_date_finds_the_one_namesake_at_once(
    dinsos_operator: User, namesakes: None
) -> None:
    wanted = household("Siti Aminah", born=date(1985, 3, 12))

    assert list(household_list(user=dinsos_operator, q="siti aminah", born=1985)) == [wanted]
    assert list(household_list(user=dinsos_operator, q="siti aminah", born="1985-03-12")) == [
        wanted
    ]
    assert list(household_list(user=dinsos_operator, q="siti aminah", born=1986)) == []


def test_the_birth_year_belongs_to_the_member_named(dinsos_operator: User, namesakes: None) -> None:
    wanted = household("Siti Aminah", born=date(1985, 3, 12))
    PersonFactory(household=wanted, full_name="Bambang", birth_date=date(2001, 1, 1))

    assert list(household_list(user=dinsos_operator, q="siti aminah", born=2001)) == []
    assert list(household_list(user=dinsos_operator, q="", born=2001)) == [wanted]


def test_address_and_kelurahan_name_narrow_a_name_search(
    dinsos_operator: User, namesakes: None
) -> None:
    wanted = household("Siti Aminah", address="Gg. Kenanga No. 7")
    kelurahan = Kelurahan.objects.get(code=KELURAHAN_DEPOK).name

    assert list(household_list(user=dinsos_operator, q="siti aminah", address="kenanga")) == [
        wanted
    ]
    found = household_list(user=dinsos_operator, q="siti aminah", kelurahan_name=kelurahan[1:5])
    assert wanted in found
    assert list(household_list(user=dinsos_operator, q="siti aminah", kelurahan_name="zzz")) == []


def test_person_lookup_uses_the_same_ranking(dinsos_operator: User, namesakes: None) -> None:
    wanted = household("Muhammad Agus Salim Hidayatullah").head

    assert next(iter(person_list(user=dinsos_operator, q="hidayatullah agus"))) == wanted


def test_the_word_table_is_recounted_set_based() -> None:
    household("Siti Komariah")
    household("Komariah")
    NameWord.objects.create(word="vanished", persons=3)

    name_words_refresh()

    assert dict(NameWord.objects.values_list("word", "persons")) == {"siti": 1, "komariah": 2}


@pytest.mark.parametrize(
    ("typed", "born"),
    [("1985", 1985), ("1985-03-12", "1985-03-12"), ("12-03-1985", "1985-03-12"), ("", None)],
)
def test_the_search_form_reads_a_year_or_a_date(typed: str, born: object) -> None:
    form = HouseholdSearchForm({"q": "siti", "born": typed}, kelurahan=Kelurahan.objects.all())

    assert form.is_valid(), form.errors
    assert form.filters()["born"] == born


@pytest.mark.parametrize("typed", ["85", "1850", "31-31-1985", "kemarin"])
def test_the_search_form_refuses_other_birth_text(typed: str) -> None:
    form = HouseholdSearchForm({"q": "siti", "born": typed}, kelurahan=Kelurahan.objects.all())

    assert not form.is_valid()
    assert "born" in form.errors


@pytest.fixture
def many_siti_rahayu() -> list[Household]:
    """Twenty-five households headed by a Siti Rahayu, each born in another year."""
    homes = [household("Siti Rahayu", born=date(1950 + i, 6, 1)) for i in range(25)]
    name_words_refresh()
    return homes


@pytest.mark.parametrize(
    ("registered", "typed"),
    [
        ("Siti Rahayu Komariah", "sity rahaju komariyah"),  # typos, and the rare word
        ("Siti Rahayu Komariah", "komariah rahayu"),  # reordered, a word dropped
        ("Siti Rahayu binti Oemar", "siti rahayu bin umar"),  # the father, another spelling
        ("Sitti Rahajoe Djoeariah", "siti rahayu juariah"),  # old spelling registered
        ("Siti Rahayu", "siti rahayu"),  # the name as typed before names that reorder it
    ],
)
def test_the_wanted_household_is_first_among_many_namesakes(
    dinsos_operator: User, many_siti_rahayu: list[Household], registered: str, typed: str
) -> None:
    household("Rahayu Siti")  # the typed words in another order
    household("Siti Zulfa Rahayu Komariah")  # and with more words
    wanted = household(registered, born=date(1990, 1, 1))
    name_words_refresh()

    found = first(dinsos_operator, typed)
    assert found == wanted or found.head.full_name == registered  # a namesake is as good


def test_a_misspelt_common_name_and_a_birth_year_find_the_one_namesake(
    dinsos_operator: User, many_siti_rahayu: list[Household]
) -> None:
    wanted = many_siti_rahayu[12]  # born 1962

    found = list(household_list(user=dinsos_operator, q="sity rahajoe", born=1962))

    assert found == [wanted]
    assert len(household_list(user=dinsos_operator, q="sity rahajoe")) == 25
