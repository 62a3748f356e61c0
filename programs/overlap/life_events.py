"""What a death or a move out of Depok means for the programmes.

Registered as a registry life-event handler from `OverlapConfig.ready()` (the registry must
not import programmes). Runs after the registry's change has committed, as a retried job
(`registry.life_events.life_event_follow_up_run`), so every step is idempotent:

- every active enrolment of the person ends at once through `enrolment_exit` (reason
  death / moved away; each writes its own audit row and application event), and one audit
  row names who recorded the event and which enrolments it ended;
- for a death, a death benefit (santunan kematian) is proposed for an heir: the spouse,
  else the eldest adult child, else the eldest adult member. The application itself
  cannot be filed yet: the programme needs the death certificate number and the heir in
  person, which nobody knows at this point, and the application service refuses a draft
  without them. The proposal is shown on the household page with a link to the form.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from depok_kds.audit import audit_record
from programs.models import Cycle, Enrolment
from programs.overlap.models import DeathBenefitProposal
from programs.services import enrolment_exit
from registry.life_events import LifeEvent
from registry.models import Person
from registry.nik import age_on

R = Person.Relationship
ADULT_AGE = 17
DEATH_BENEFIT_KIND = "death_benefit"
SPOUSES = {R.HUSBAND, R.WIFE}


def heir_choose(deceased: Person, members: list[Person], on: date) -> tuple[Person | None, str]:
    """The heir a death benefit is proposed for, and their relationship to the deceased."""
    alive = [m for m in members if m.pk != deceased.pk and not m.is_deceased]
    if deceased.relationship == R.HEAD:
        spouses = [m for m in alive if m.relationship in SPOUSES]
    elif deceased.relationship in SPOUSES:
        spouses = [m for m in alive if m.relationship == R.HEAD]
    else:
        spouses = []
    if spouses:
        return spouses[0], "spouse"
    adults = sorted(
        (m for m in alive if age_on(m.birth_date, on) >= ADULT_AGE),
        key=lambda m: (m.birth_date, m.pk),
    )
    if deceased.relationship in {R.HEAD, *SPOUSES}:
        children = [m for m in adults if m.relationship == R.CHILD]
        if children:
            return children[0], "child"
    if deceased.relationship == R.CHILD:
        parents = [m for m in adults if m.relationship in {R.HEAD, *SPOUSES}]
        if parents:
            return parents[0], "parent"
    return (adults[0], "other") if adults else (None, "")


def death_benefit_propose(*, deceased: Person, on: date) -> DeathBenefitProposal | None:
    """Propose a death benefit for the deceased's heir (once per deceased)."""
    if deceased.household_id is None:
        return None
    members = list(Person.objects.filter(household_id=deceased.household_id))
    heir, relationship = heir_choose(deceased, members, on)
    cycle = (
        Cycle.objects.filter(
            programme__kind=DEATH_BENEFIT_KIND,
            programme__is_active=True,
            status=Cycle.Status.OPEN,
        )
        .order_by("-year", "-tahap")
        .first()
    )
    proposal, _created = DeathBenefitProposal.objects.get_or_create(
        deceased=deceased,
        defaults={
            "heir": heir,
            "heir_relationship": relationship,
            "household_id": deceased.household_id,
            "cycle": cycle,
        },
    )
    return proposal


def life_event_handle(event: LifeEvent) -> None:
    reason = (
        Enrolment.ExitReason.DEATH if event.kind == "death" else Enrolment.ExitReason.MOVED_AWAY
    )
    active = list(
        Enrolment.objects.filter(
            person_id=event.person_id, status=Enrolment.Status.ACTIVE
        ).values_list("pk", flat=True)
    )
    for enrolment_id in active:
        # The system acts on the registry's record: whoever recorded the death may not be
        # an officer of every programme the person was in, so the exit is not theirs.
        enrolment_exit(actor=None, enrolment_id=enrolment_id, reason=reason, on=event.date)
    proposal = None
    if event.kind == "death":
        deceased = Person.objects.get(pk=event.person_id)
        proposal = death_benefit_propose(deceased=deceased, on=timezone.localdate())
    audit_record(
        actor=event.actor,
        action=f"overlap.life_event_{event.kind}",
        target_type="registry.person",
        target_id=event.person_id,
        after={
            "date": event.date.isoformat(),
            "enrolments_ended": active,
            "death_benefit_proposal": proposal.pk if proposal else None,
        },
    )
