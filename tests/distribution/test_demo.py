"""The demo leaves settled batches on the pages, and a second run adds nothing."""

from __future__ import annotations

from depok_kds import demo as accounts_demo
from distribution import demo
from distribution.models import Batch, Line
from programs import demo as programmes_demo
from programs.models import Cycle, Enrolment
from registry.models import Person
from tests.overlap.factories import enrol
from tests.programs.factories import applicant
from tests.registry.factories import HouseholdFactory


def test_demo_settles_a_bank_batch_and_a_food_batch(db: None) -> None:
    for _ in range(40):
        household = HouseholdFactory()
        applicant(household=household)
        applicant(household=household)
    accounts_demo.seed(households=0)
    programmes_demo.seed(households=0)
    # A registry this small gets almost no scaled recipients: add a few to the 2023 cycles.
    for code in ("pendidikan-sma", "bantuan-pangan-kota"):
        taken = Enrolment.objects.filter(programme__code=code, year=2023).values("person_id")
        for person in Person.objects.filter(nik__isnull=False).exclude(pk__in=taken)[:6]:
            enrol(person, code, year=2023)
    Cycle.objects.filter(year=2023).update(budget=10**10)
    demo.seed(households=0)
    states = dict(Batch.objects.values_list("programme__code", "state"))
    assert states == {"pendidikan-sma": "settled", "bantuan-pangan-kota": "settled"}
    assert Line.objects.filter(state="failed").exists()
    assert Line.objects.filter(state="returned", reason="Unclaimed.").exists()
    lines = Line.objects.count()
    demo.seed(households=0)
    assert Line.objects.count() == lines
