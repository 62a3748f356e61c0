"""A DTSEN quarter's effect on the programmes: who entered or left each programme's target
deciles (`ImpactEntry`) and the exits it proposes for enrolments that left (`ExitProposal`).

Both carry copies of the routing (`agency_code` of the programme's agency, `kelurahan_code`
of the household) so that scoping and the per-kelurahan counts need no join.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import Link, OptionalUserLink
from depok_kds.models import ActedEvent, TimeStampedModel

PERIOD_FORMAT = r"^\d{4}Q[1-4]$"


class Change(models.TextChoices):
    ENTERED = "entered", _("Entered the target deciles")
    LEFT = "left", _("Left the target deciles")


class ImpactEntry(models.Model):
    """One household whose desil moved it into or out of one programme's target in a quarter.

    `enrolled`: a member held an active enrolment of the programme that year when the impact
    was computed (an entered household not enrolled is newly eligible)."""

    period = models.CharField(_("DTSEN period"), max_length=6)
    programme = Link("programs.Programme", _("programme"))
    household = Link("registry.Household", _("household"))
    agency_code = models.CharField(_("agency"), max_length=12)
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13)
    change = models.CharField(_("change"), max_length=8, choices=Change.choices)
    desil_before = models.PositiveSmallIntegerField(_("desil before"), null=True)
    desil_after = models.PositiveSmallIntegerField(_("desil after"), null=True)
    enrolled = models.BooleanField(_("enrolled"))

    class Meta:
        verbose_name = _("DTSEN impact entry")
        verbose_name_plural = _("DTSEN impact entries")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "programme", "household"], name="impactentry_one_per_household"
            ),
            models.CheckConstraint(
                condition=models.Q(change__in=["entered", "left"]), name="impactentry_change_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(period__regex=PERIOD_FORMAT), name="impactentry_period_format"
            ),
        ]
        indexes = [
            models.Index(
                fields=["period", "programme", "kelurahan_code"], name="impactentry_report_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.programme_id} {self.household_id} {self.change}"


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved, waiting for its date")
    HELD = "held", _("Held by an objection")
    APPLIED = "applied", _("Exit applied")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn (no longer left the deciles)")


# An exit with a date: approved and waiting, held, or applied.
DATED_STATUSES = ["approved", "held", "applied"]


class ExitProposal(TimeStampedModel):
    """An exit a quarter proposes for an active enrolment whose household left the
    programme's target deciles; applied only after an officer approves it, on the date the
    programme's rule gives, and not while an objection of the household is open."""

    Status = ProposalStatus

    period = models.CharField(_("DTSEN period"), max_length=6)
    programme = Link("programs.Programme", _("programme"))
    enrolment = Link("programs.Enrolment", _("enrolment"))
    person = Link("registry.Person", _("person"))
    household = Link("registry.Household", _("household"))
    agency_code = models.CharField(_("agency"), max_length=12)
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13)
    desil_before = models.PositiveSmallIntegerField(_("desil before"), null=True)
    desil_after = models.PositiveSmallIntegerField(_("desil after"), null=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    proposed_by = OptionalUserLink(_("proposed by"))
    decided_by = OptionalUserLink(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    effective_on = models.DateField(_("exit effective on"), null=True, blank=True)

    class Meta:
        ordering = ["kelurahan_code", "pk"]
        verbose_name = _("proposed exit")
        verbose_name_plural = _("proposed exits")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "enrolment"], name="exitproposal_one_per_enrolment_period"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ProposalStatus.values),
                name="exitproposal_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=DATED_STATUSES)
                | models.Q(effective_on__isnull=False),
                name="exitproposal_dated_when_approved",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "programme", "status"], name="exitproposal_review_idx"),
            models.Index(fields=["status", "effective_on"], name="exitproposal_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.enrolment_id} {self.status}"


class ExitProposalEvent(ActedEvent):
    """One transition of a proposed exit, with who made it and why."""

    proposal = models.ForeignKey(
        ExitProposal, on_delete=models.CASCADE, related_name="events", verbose_name=_("proposal")
    )
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.from_status} -> {self.to_status}"
