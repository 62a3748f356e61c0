"""A death commits on its own; the programmes' follow-up runs after commit, retried, and its
state is shown on the household page."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date

import pytest
from celery import current_app
from django.test import Client
from django.urls import reverse

from depok_kds.models import User
from registry import life_events
from registry.life_events import LifeEvent, life_event_follow_up_run
from registry.models import LifeEventFollowUp, Person
from registry.services import household_register
from registry.services.members import person_death_record
from registry.tasks import life_event_follow_up
from tests.registry.factories import KELURAHAN_DEPOK, MemberDataFactory, make_kk

pytestmark = pytest.mark.django_db

calls: list[LifeEvent] = []


def failing_handler(event: LifeEvent) -> None:
    calls.append(event)
    raise RuntimeError("programme core unavailable")


def counting_handler(event: LifeEvent) -> None:
    calls.append(event)


@pytest.fixture
def handlers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list]:
    """The registered handlers replaced by a list the test fills."""
    replaced: list = []
    monkeypatch.setattr(life_events, "LIFE_EVENT_HANDLERS", replaced)
    calls.clear()
    yield replaced


def household_head(actor: User) -> Person:
    head = MemberDataFactory(full_name="Slamet Riyadi", relationship="1", marital_status="kawin")
    household = household_register(
        actor=actor,
        kelurahan_code=KELURAHAN_DEPOK,
        rw=1,
        rt=7,
        address="Jl. Cempaka 8",
        kk_number=make_kk(1),
        members=[head],
    ).household
    return household.head


def test_a_death_commits_even_when_a_programme_handler_fails(
    dinsos_operator, handlers, django_capture_on_commit_callbacks
):
    head = household_head(dinsos_operator)
    handlers.append(failing_handler)

    with django_capture_on_commit_callbacks() as queued:
        person_death_record(actor=dinsos_operator, person_id=head.pk, death_date=date(2026, 1, 10))

    head.refresh_from_db()
    assert head.is_deceased and head.death_date == date(2026, 1, 10)
    assert calls == []  # nothing of the programmes ran inside the registry's transaction
    assert len(queued) == 1  # the job is queued once the death has committed
    follow_up = LifeEventFollowUp.objects.get(person=head)
    assert (follow_up.kind, follow_up.status) == ("death", "pending")

    with pytest.raises(RuntimeError):
        life_event_follow_up_run(follow_up_id=follow_up.pk)
    follow_up.refresh_from_db()
    assert follow_up.status == "failed" and "programme core unavailable" in follow_up.error
    head.refresh_from_db()
    assert head.is_deceased  # the failure did not undo the death


def test_the_follow_up_job_is_retried_and_runs_once_when_done(
    dinsos_operator, handlers, django_capture_on_commit_callbacks
):
    head = household_head(dinsos_operator)
    handlers.append(failing_handler)
    person_death_record(actor=dinsos_operator, person_id=head.pk, death_date=date(2026, 1, 10))
    follow_up = LifeEventFollowUp.objects.get(person=head)

    current_app.conf.task_always_eager = True
    try:
        life_event_follow_up.apply(args=[follow_up.pk])
    finally:
        current_app.conf.task_always_eager = False
    follow_up.refresh_from_db()
    assert follow_up.status == "failed"
    assert follow_up.attempts == life_event_follow_up.max_retries + 1 > 1

    handlers[:] = [counting_handler]
    calls.clear()
    life_event_follow_up_run(follow_up_id=follow_up.pk)
    life_event_follow_up_run(follow_up_id=follow_up.pk)  # a second delivery of the job
    follow_up.refresh_from_db()
    assert follow_up.status == "done" and follow_up.error == ""
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("handler", "shown"),
    [
        (None, "Programme follow-up pending"),
        (counting_handler, "Programme follow-up done"),
        (failing_handler, "programme core unavailable"),
    ],
)
def test_the_household_page_shows_the_follow_up_state(
    client: Client, dinsos_operator, handlers, handler, shown
):
    head = household_head(dinsos_operator)
    person_death_record(actor=dinsos_operator, person_id=head.pk, death_date=date(2026, 1, 10))
    if handler is not None:
        handlers.append(handler)
        follow_up = LifeEventFollowUp.objects.get(person=head)
        with contextlib.suppress(RuntimeError):
            life_event_follow_up_run(follow_up_id=follow_up.pk)
    client.force_login(dinsos_operator)
    client.cookies["django_language"] = "en"

    page = client.get(reverse("registry:household", args=[head.household_id])).content.decode()

    assert shown in page


def test_a_broker_that_cannot_be_reached_leaves_the_follow_up_pending(
    dinsos_operator, handlers, monkeypatch, django_capture_on_commit_callbacks
):
    head = household_head(dinsos_operator)

    def unreachable(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(current_app, "send_task", unreachable)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        person_death_record(actor=dinsos_operator, person_id=head.pk, death_date=date(2026, 1, 10))

    assert len(queued) == 1
    head.refresh_from_db()
    assert head.is_deceased
    assert LifeEventFollowUp.objects.get(person=head).status == "pending"
