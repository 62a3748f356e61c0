"""The demo seed: a small synthetic city written with COPY, consistent with every rule."""

from __future__ import annotations

import io
import random
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from depok_kds.models import AuditEntry, User
from registry import demo
from registry.models import (
    Assessment,
    CurrentAssessment,
    DesilRecord,
    FamilyCard,
    Household,
    HouseholdEvent,
    Kelurahan,
    Person,
    Ruleset,
)
from registry.names import normalize_name
from registry.nik import parse_kk, parse_nik
from registry.scoring import load_ruleset, score
from registry.selectors import household_list
from registry.synthetic.names import typing_variant

pytestmark = pytest.mark.django_db


def test_seed_writes_whole_households_that_keep_every_rule() -> None:
    message = demo.seed(households=300)

    assert message.startswith("300 households with ")
    connection.check_constraints()  # the deferred foreign keys, checked now
    households = list(Household.objects.select_related("head"))
    persons = list(Person.objects.all())
    assert len(households) == 300
    assert all(h.head is not None and h.head.household_id == h.pk for h in households)
    assert all(h.head.relationship == "1" and not h.head.is_deceased for h in households)
    assert Kelurahan.objects.filter(households__isnull=False).distinct().count() >= 50
    assert all(p.name_normalized == normalize_name(p.full_name) for p in persons)
    for person in persons:
        if person.nik:
            parsed = parse_nik(person.nik)
            assert (parsed.sex, parsed.birth_date) == (person.sex, person.birth_date)
        else:
            assert person.nik_status == "missing"
    cards = FamilyCard.objects.filter(valid_to__isnull=True)
    assert cards.count() == 300
    assert all(parse_kk(card.number).registration_date == card.valid_from for card in cards)
    events = HouseholdEvent.objects.filter(kind="registered")
    assert sorted(e.household_id for e in events) == sorted(h.pk for h in households)
    sizes = Counter(p.household_id for p in persons)
    assert all(e.details["members"] == sizes[e.household_id] for e in events)


def test_nothing_seeded_is_dated_in_the_future() -> None:
    demo.seed(households=200)

    now, today = timezone.now(), timezone.localdate()
    assert not Household.objects.filter(created_at__gt=now).exists()
    assert not Household.objects.filter(assessed_on__gt=today).exists()
    assert not Assessment.objects.filter(created_at__gt=now).exists()
    assert not FamilyCard.objects.filter(valid_from__gt=today).exists()
    assert not Person.objects.filter(birth_date__gt=today).exists()
    for household in Household.objects.all():
        card = household.family_cards.get()
        assert card.valid_from <= timezone.localtime(household.created_at).date()
        assert household.assessed_on is not None
        assert household.assessed_on >= timezone.localtime(household.created_at).date()


def test_assessments_are_scored_with_the_active_ruleset_and_copied_to_the_household() -> None:
    demo.seed(households=200)

    active = Ruleset.objects.get(status="active")
    rules = load_ruleset(active.definition)
    current = Assessment.objects.current().select_related("household")
    assert current.count() == 200
    for assessment in current:
        result = score(rules, assessment.answers)
        assert assessment.ruleset_id == active.pk
        assert (assessment.score, assessment.poverty_class) == (result.total, result.poverty_class)
        assert assessment.max_score == rules.max_possible
        codes = [parameter.code for parameter in rules.parameters]
        assert [c["parameter"] for c in assessment.contributions] == codes
        assert sum(Decimal(c["points"]) for c in assessment.contributions) == assessment.score
        household = assessment.household
        assert (household.poverty_class, household.poverty_score) == (
            assessment.poverty_class,
            assessment.score,
        )
        assert household.assessed_on == assessment.assessed_on


def test_desil_of_a_household_is_its_latest_dtsen_period() -> None:
    demo.seed(households=300)

    ranked = Household.objects.filter(desil__isnull=False)
    assert 120 < ranked.count() < 240
    for household in ranked:
        latest = DesilRecord.objects.filter(household=household).order_by("-period").first()
        assert latest is not None
        assert (household.desil, household.desil_period) == (latest.desil, latest.period)
        assert latest.kk_number == household.family_cards.get().number
    assert not Household.objects.filter(desil__isnull=True).exclude(desil_period="").exists()


def test_same_seed_gives_the_same_households() -> None:
    demo.seed(households=40, seed=11)
    first = list(Person.objects.order_by("pk").values_list("full_name", "nik", "birth_date"))
    Household.objects.update(head=None)
    models = (DesilRecord, CurrentAssessment, Assessment, HouseholdEvent, FamilyCard, Person)
    for model in (*models, Household):
        model.objects.all().delete()

    demo.seed(households=40, seed=11)

    again = list(Person.objects.order_by("pk").values_list("full_name", "nik", "birth_date"))
    assert again == first


def test_seed_refuses_a_registry_that_holds_households_unless_appending() -> None:
    demo.seed(households=30)
    niks_before = set(Person.objects.values_list("nik", flat=True))

    with pytest.raises(CommandError, match="--append"):
        demo.seed(households=30)
    assert Household.objects.count() == 30

    demo.seed(households=30, append=True)
    assert Household.objects.count() == 60
    connection.check_constraints()
    niks = list(Person.objects.exclude(nik=None).values_list("nik", flat=True))
    assert len(niks) == len(set(niks))
    assert niks_before - {None} <= set(niks)


def test_one_audit_entry_for_the_whole_seed() -> None:
    demo.seed(households=50)

    entries = AuditEntry.objects.filter(action="registry.seed_demo")
    assert entries.count() == 1
    assert entries.get().after["households"] == 50
    assert not AuditEntry.objects.filter(action="household.register").exists()


def test_seed_demo_command_loads_accounts_and_a_small_city() -> None:
    out = io.StringIO()

    call_command("seed_demo", households=150, stdout=out)

    assert "registry: 150 households with" in out.getvalue()
    assert Household.objects.count() == 150
    assert User.objects.filter(username="puskesos.depok").exists()


def test_search_finds_seeded_households_by_their_names_as_clerks_type_them(
    dinsos_operator: User,
) -> None:
    demo.seed(households=300)
    rng = random.Random(4)
    persons = rng.sample(list(Person.objects.order_by("pk")), 60)

    found = 0
    for person in persons:
        typed = typing_variant(rng, person.full_name)
        found += person.household_id in {
            h.pk for h in household_list(user=dinsos_operator, q=typed)
        }

    assert found >= 0.9 * len(persons)
