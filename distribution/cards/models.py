"""KDS cards: a family card per household and a student card per enrolled student.

A card row is one physical card. Its number (see `numbers.py`) names its kind, its owner
(household or student) and its issue; a replacement is a new row with the next issue,
pointing at the card it replaces. States move only through the services, each of which
writes a `CardEvent` and an audit row.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import Link, OptionalLink, OptionalUserLink
from depok_kds.formatting import long_date
from depok_kds.models import ActedEvent, TimeStampedModel
from distribution.cards.numbers import ISSUE_MAX, NUMBER_PATTERN

# A card in one of these states is "live": at most one per owner and kind.
LIVE_STATES = ("requested", "printed", "handed_over", "active")


class Card(TimeStampedModel):
    class Kind(models.TextChoices):
        FAMILY = "family", _("Family card")
        STUDENT = "student", _("Student card")

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PRINTED = "printed", _("Printed")
        HANDED_OVER = "handed_over", _("Handed over")
        ACTIVE = "active", _("Active")
        REPLACED = "replaced", _("Replaced")
        REVOKED = "revoked", _("Revoked")

    class RevokeReason(models.TextChoices):
        LEFT_CITY = "left_city", _("Left Depok")
        NO_PROGRAMME = "no_programme", _("Holds no KDS programme")
        GRADUATED = "graduated", _("Graduated")
        EXITED = "exited", _("Left the programme")
        DECEASED = "deceased", _("Holder deceased")
        WRONG_DATA = "wrong_data", _("Issued in error")

    class ReplaceReason(models.TextChoices):
        LOST = "lost", _("Lost")
        DAMAGED = "damaged", _("Damaged")

    kind = models.CharField(_("card type"), max_length=8, choices=Kind.choices)
    number = models.CharField(_("card number"), max_length=12)
    issue = models.PositiveSmallIntegerField(_("issue"))
    household = Link("registry.Household", _("household"))
    # The student of a student card; a family card's holder is its household's head.
    student = OptionalLink("registry.Person", _("student"))
    # A copy of the household's kelurahan, kept by the services, for scope and print runs.
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.REQUESTED
    )
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
        verbose_name=_("replaces"),
    )
    printed_on = models.DateField(_("issue date"), null=True, blank=True)
    received_by = models.CharField(_("received by"), max_length=150, blank=True)
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    handed_over_by = OptionalUserLink(_("handed over by"))
    end_reason = models.CharField(_("reason"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("KDS card")
        verbose_name_plural = _("KDS cards")
        permissions = [("hand_over_card", "Can hand over, replace and revoke KDS cards")]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="card_number_unique"),
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(kind="family", state__in=LIVE_STATES),
                name="card_one_live_family_card",
            ),
            models.UniqueConstraint(
                fields=["student"],
                condition=models.Q(kind="student", state__in=LIVE_STATES),
                name="card_one_live_student_card",
            ),
            models.CheckConstraint(
                condition=models.Q(number__regex=NUMBER_PATTERN), name="card_number_format"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="family", student__isnull=True, number__startswith="1")
                | models.Q(kind="student", student__isnull=False, number__startswith="2"),
                name="card_kind_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(issue__gte=1, issue__lte=ISSUE_MAX), name="card_issue_range"
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=["printed", "handed_over", "active"])
                | models.Q(printed_on__isnull=False),
                name="card_printed_dated",
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=["handed_over", "active"])
                | models.Q(handed_over_on__isnull=False) & ~models.Q(received_by=""),
                name="card_handover_recorded",
            ),
            models.CheckConstraint(
                condition=~models.Q(state__in=["replaced", "revoked"]) | ~models.Q(end_reason=""),
                name="card_end_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["kelurahan_code", "state"], name="card_kelurahan_state_idx"),
            models.Index(fields=["household", "kind"], name="card_household_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_live(self) -> bool:
        return self.state in LIVE_STATES

    @property
    def end_reason_label(self) -> str:
        """Why the card ended, as people say it."""
        labels = {**dict(self.RevokeReason.choices), **dict(self.ReplaceReason.choices)}
        return str(labels.get(self.end_reason, self.end_reason))


class CardEvent(ActedEvent):
    """One transition of a card, shown as its history; written only by the services."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PRINTED = "printed", _("Printed")
        HANDED_OVER = "handed_over", _("Handed over")
        ACTIVATED = "activated", _("Activated")
        REPLACED = "replaced", _("Replaced")
        REVOKED = "revoked", _("Revoked")

    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="events", verbose_name=_("card")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("card event")
        verbose_name_plural = _("card events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.card_id} {self.kind}"

    def detail_lines(self) -> list[str]:
        """The event's details as people read them: reasons by name, days as dates."""
        reasons = {**dict(Card.ReplaceReason.choices), **dict(Card.RevokeReason.choices)}
        lines = []
        for key, value in self.details.items():
            if key == "reason":
                lines.append(str(reasons.get(value, value)))
            elif key == "on":
                lines.append(long_date(date.fromisoformat(value)))
            elif key == "successor":
                lines.append(str(_("new card %(number)s") % {"number": value}))
            elif key == "replaces":
                lines.append(str(_("replaces card %(number)s") % {"number": value}))
            else:
                lines.append(str(value))
        return lines
