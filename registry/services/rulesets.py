"""Use cases of the poverty rulesets: load a new version, simulate it, activate it.

A version is loaded as a draft (validated by `registry.scoring.load_ruleset`), simulated over
every household's current answers without writing anything, then activated: the previous
version is retired and every household is re-scored by a job (`registry.rescore`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.audit import audit_record
from depok_kds.errors import Conflict, DomainError, Forbidden
from depok_kds.jobs import CITY, job_start
from depok_kds.models import Job, User
from registry import rescore, scoring
from registry.models import Kelurahan, Ruleset
from registry.models.household import PovertyClass
from registry.selectors import ruleset_rules
from registry.services.common import Actor

CLASSES = (PovertyClass.MISKIN, PovertyClass.RENTAN, PovertyClass.TIDAK_MISKIN)
UNSCORABLE = rescore.UNSCORABLE
VERSION_MAX_LENGTH = Ruleset._meta.get_field("version").max_length or 40
NAME_MAX_LENGTH = Ruleset._meta.get_field("name").max_length or 200


def _require(actor: Actor, perm: str) -> None:
    # The rules decide who counts as poor for the whole city: checked here, not only in views.
    if actor is not None and not actor.has_perm(perm):
        raise Forbidden(_("Only a Dinsos administrator may change the poverty rules."))


def ruleset_check(definition: object) -> scoring.Ruleset:
    """Validate a ruleset document; the refusal lists every problem found."""
    reasons: list[str] = []
    rules: scoring.Ruleset | None = None
    if not isinstance(definition, Mapping):
        reasons.append(str(_("The ruleset must be one JSON object.")))
    else:
        try:
            rules = scoring.load_ruleset(definition)
        except scoring.RulesetError as error:
            reasons.append(str(error))
        version = definition.get("version")
        if isinstance(version, str) and version.strip():
            version = version.strip()
            if len(version) > VERSION_MAX_LENGTH:
                reasons.append(
                    str(_("version: at most %(max)d characters.") % {"max": VERSION_MAX_LENGTH})
                )
            elif Ruleset.objects.filter(version=version).exists():
                reasons.append(
                    str(_("version: %(version)s is already loaded.") % {"version": version})
                )
        name = definition.get("name")
        if isinstance(name, str) and len(name.strip()) > NAME_MAX_LENGTH:
            reasons.append(str(_("name: at most %(max)d characters.") % {"max": NAME_MAX_LENGTH}))
    if reasons or rules is None:
        raise DomainError(
            _("The ruleset was refused: %(reasons)s") % {"reasons": " ".join(reasons)},
            code="invalid_ruleset",
            details={"field": "definition", "errors": reasons},
        )
    return rules


@transaction.atomic
def ruleset_create(*, actor: Actor, definition: Mapping[str, Any]) -> Ruleset:
    """Load a new version of the 14-parameter rules as a draft (nothing is scored with it)."""
    _require(actor, "registry.add_ruleset")
    rules = ruleset_check(definition)
    try:
        with transaction.atomic():  # a concurrent upload of the same version ends here
            ruleset = Ruleset.objects.create(
                version=rules.version,
                name=rules.name,
                basis=rules.basis,
                is_provisional=rules.is_provisional,
                definition=json.loads(json.dumps(definition)),
                status=Ruleset.Status.DRAFT,
            )
    except IntegrityError as error:
        raise Conflict(
            _("version: %(version)s is already loaded.") % {"version": rules.version},
            code="invalid_ruleset",
            details={"field": "definition"},
        ) from error
    audit_record(
        actor=actor,
        action="ruleset.create",
        target=ruleset,
        after={
            "version": ruleset.version,
            "is_provisional": ruleset.is_provisional,
            "parameters": [parameter.code for parameter in rules.parameters],
            "thresholds": {
                "miskin": str(rules.thresholds.miskin),
                "rentan": str(rules.thresholds.rentan),
            },
        },
    )
    return ruleset


@dataclass(frozen=True)
class Transitions:
    """Households of one area by class now (rows) and class under the simulated rules."""

    code: str  # kelurahan code; "" for the whole city
    name: str
    counts: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def count(self, old: str, new: str) -> int:
        return self.counts.get((old, new), 0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def changed(self) -> int:
        """Households that would move to another class."""
        return sum(n for (old, new), n in self.counts.items() if old != new and new in CLASSES)

    @property
    def unscorable(self) -> int:
        """Households whose answers do not fit the simulated rules (to be assessed again)."""
        return sum(n for (_old, new), n in self.counts.items() if new == UNSCORABLE)

    @property
    def poorer(self) -> int:
        """Households that would move to a poorer class (tidak miskin -> rentan -> miskin)."""
        return sum(
            n
            for (old, new), n in self.counts.items()
            if new in CLASSES and old in CLASSES and CLASSES.index(new) < CLASSES.index(old)
        )

    @property
    def less_poor(self) -> int:
        """Households that would move to a less poor class."""
        return self.changed - self.poorer

    def after(self, new: str) -> int:
        return sum(n for (_old, to), n in self.counts.items() if to == new)

    @property
    def miskin_after(self) -> int:
        return self.after(PovertyClass.MISKIN)

    @property
    def rentan_after(self) -> int:
        return self.after(PovertyClass.RENTAN)

    def before(self, old: str) -> int:
        return sum(n for (was, _new), n in self.counts.items() if was == old)

    def matrix(self) -> list[tuple[str, list[int], int]]:
        """Rows for a table: (class now, [households per class after, unscorable], total)."""
        return [
            (
                str(PovertyClass(old).label),
                [self.count(old, new) for new in (*CLASSES, UNSCORABLE)],
                self.before(old),
            )
            for old in CLASSES
        ]


@dataclass(frozen=True)
class Simulation:
    """What activating a ruleset would do, per kelurahan and for the city; nothing written."""

    ruleset_version: str
    city: Transitions
    kelurahan: tuple[Transitions, ...]

    def chart_rows(self) -> list[tuple[str, list[float]]]:
        """Per kelurahan with changes, most first: households moving to a poorer class and to a
        less poor class (the two series of a stacked bar)."""
        rows = sorted(self.kelurahan, key=lambda area: (-area.changed, area.name))
        return [
            (area.name, [float(area.poorer), float(area.less_poor)])
            for area in rows
            if area.changed
        ]


def ruleset_simulate(*, ruleset: Ruleset) -> Simulation:
    """Re-score every household's current answers under `ruleset`, in one read-only query."""
    sql = rescore.RulesetSql.build(ruleset_rules(ruleset))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT h.kelurahan_code, s.old_class, coalesce(s.new_class, %(unscorable)s), count(*)
            FROM ({sql.scored(where="true")}) s
            JOIN registry_household h ON h.id = s.household_id
            GROUP BY 1, 2, 3
            """,  # noqa: S608
            {**sql.params, "unscorable": UNSCORABLE},
        )
        rows = cursor.fetchall()
    by_kelurahan: dict[str, dict[tuple[str, str], int]] = {}
    city: dict[tuple[str, str], int] = {}
    for code, old, new, count in rows:
        by_kelurahan.setdefault(code, {})[(old, new)] = count
        city[(old, new)] = city.get((old, new), 0) + count
    names = dict(Kelurahan.objects.filter(code__in=by_kelurahan).values_list("code", "name"))
    return Simulation(
        ruleset_version=ruleset.version,
        city=Transitions("", str(_("Kota Depok")), city),
        kelurahan=tuple(
            Transitions(code, names.get(code, code), counts)
            for code, counts in sorted(by_kelurahan.items())
        ),
    )


@transaction.atomic
def ruleset_activate(*, actor: Actor, ruleset: Ruleset) -> Job:
    """Make a draft the active version, retire the active one, and start the re-scoring job.

    Refused while an earlier re-scoring job is still queued or running.
    """
    _require(actor, "registry.change_ruleset")
    # Locking the active row waits for assessments being recorded with it (they share-lock it).
    active_ids = list(
        Ruleset.objects.filter(status=Ruleset.Status.ACTIVE).values_list("pk", flat=True)
    )
    locked = {
        row.pk: row
        for row in Ruleset.objects.select_for_update()
        .filter(pk__in=[ruleset.pk, *active_ids])
        .order_by("pk")
    }
    target = locked[ruleset.pk]
    previous = next((row for row in locked.values() if row.status == Ruleset.Status.ACTIVE), None)
    if target.status != Ruleset.Status.DRAFT:
        raise Conflict(
            _("Only a draft can be activated; %(version)s is %(status)s.")
            % {"version": target.version, "status": target.get_status_display()},
            code="not_draft",
        )
    if Job.objects.filter(
        kind=rescore.KIND, status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ).exists():
        raise Conflict(
            _("An earlier re-scoring job has not finished yet; activate when it has."),
            code="rescore_running",
        )
    if previous is None and Ruleset.objects.filter(status=Ruleset.Status.ACTIVE).exists():
        raise Conflict(
            _("Another version was activated a moment ago; look at the list again."),
            code="activated_meanwhile",
        )
    if previous is not None:
        previous.status = Ruleset.Status.RETIRED
        previous.save(update_fields=["status", "updated_at"])
    user = actor if isinstance(actor, User) else None
    target.status = Ruleset.Status.ACTIVE
    target.activated_at = timezone.now()
    target.activated_by = user
    target.save(update_fields=["status", "activated_at", "activated_by", "updated_at"])
    job = job_start(
        kind=rescore.KIND, requested_by=user, params={"ruleset_id": target.pk}, subject=CITY
    )
    audit_record(
        actor=actor,
        action="ruleset.activate",
        target=target,
        before={"active": previous.version if previous is not None else None},
        after={"active": target.version, "job_id": job.pk},
    )
    return job
