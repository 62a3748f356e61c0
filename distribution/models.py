"""Distribution: batches (tahap) of payments or hand-overs, their lines, and reconciliation.

A batch belongs to one programme cycle and goes draft -> approved -> sent -> settled ->
closed, one service per transition (`distribution.services`). Each line pays one
component (the benefit, or RTLH's materials / labour / LPJ) of one enrolment for one
period; the database refuses a second live line for the same enrolment, component and
overlapping period, so a payment is never made twice. A failed or returned line stays as
history and may be re-issued once, by a new line in a later batch.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateRangeField, RangeOperators
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from depok_kds.fields import Link, OptionalLink, OptionalUserLink
from depok_kds.models import ActedEvent, TimeStampedModel


class Channel(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer file")
    SCHOOL_TRANSFER = "school_transfer", _("Transfer to the school")
    BLOCKED_ACCOUNT = "blocked_account", _("Blocked account")
    PARTNER_SHOP = "partner_shop", _("Partner material shop")
    IN_KIND = "in_kind", _("In-kind hand-over")
    BPJS_PREMIUM = "bpjs_premium", _("Premium to BPJS Kesehatan")
    IN_PERSON = "in_person", _("In person")


class ChannelConfig(TimeStampedModel):
    """How one programme pays: its channel and that channel's settings (file layout,
    premium per member-month, cap). A programme without one cannot be paid (fail closed)."""

    programme = models.OneToOneField(
        "programs.Programme",
        on_delete=models.PROTECT,
        related_name="distribution_config",
        verbose_name=_("programme"),
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    settings = models.JSONField(_("settings"), default=dict, blank=True)

    class Meta:
        verbose_name = _("channel configuration")
        verbose_name_plural = _("channel configurations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(channel__in=Channel.values), name="channelconfig_channel_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.channel}"


class Payee(TimeStampedModel):
    """Who receives money: a beneficiary's own or blocked account, a school, a partner shop."""

    class Kind(models.TextChoices):
        PERSON = "person", _("Beneficiary")
        BLOCKED_ACCOUNT = "blocked_account", _("Blocked account")
        SCHOOL = "school", _("School")
        SHOP = "shop", _("Partner material shop")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    person = OptionalLink("registry.Person", _("person"))
    name = models.CharField(_("name"), max_length=150)
    bank_code = models.CharField(_("bank"), max_length=10, default="BJB")
    account_number = models.CharField(_("account number"), max_length=20, blank=True)
    account_name = models.CharField(_("name on the account"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("payee")
        verbose_name_plural = _("payees")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "person"],
                condition=models.Q(person__isnull=False, is_active=True),
                name="payee_one_active_per_person_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "name"],
                condition=models.Q(person__isnull=True, is_active=True),
                name="payee_one_active_per_institution",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["person", "blocked_account"], person__isnull=False)
                | models.Q(kind__in=["school", "shop"], person__isnull=True),
                name="payee_person_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Outlet(models.Model):
    """A gerai pangan (food outlet) and the kelurahan it serves."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kelurahan_codes = ArrayField(
        models.CharField(max_length=13), verbose_name=_("kelurahan served"), default=list
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("outlet")
        verbose_name_plural = _("outlets")

    def __str__(self) -> str:
        return self.name


class BatchState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SENT = "sent", _("Sent")
    SETTLED = "settled", _("Settled")
    CLOSED = "closed", _("Closed")


class Batch(TimeStampedModel):
    """One tahap of a programme cycle: the period it pays for and its planned date."""

    State = BatchState

    programme = models.ForeignKey(
        "programs.Programme",
        on_delete=models.PROTECT,
        related_name="batches",
        verbose_name=_("programme"),
    )
    cycle = models.ForeignKey(
        "programs.Cycle", on_delete=models.PROTECT, related_name="batches", verbose_name=_("cycle")
    )
    tahap = models.PositiveSmallIntegerField(_("tahap"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    planned_on = models.DateField(_("planned date"))
    state = models.CharField(
        _("state"), max_length=10, choices=BatchState.choices, default=BatchState.DRAFT
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("prepared by"),
    )
    approved_by = OptionalUserLink(_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    build_job = OptionalLink("depok_kds.Job", on_delete=models.SET_NULL)
    bank_receipt = models.CharField(_("bank receipt"), max_length=64, blank=True)

    class Meta:
        ordering = ["-planned_on", "-pk"]
        verbose_name = _("batch (tahap)")
        verbose_name_plural = _("batches (tahap)")
        permissions = [
            ("prepare_batch", "Can prepare disbursement batches"),
            ("approve_batch", "Can approve disbursement batches"),
            ("reconcile_batch", "Can reconcile disbursement batches"),
            ("record_handover", "Can record hand-overs"),
            ("view_disbursement_report", "Can view the budget-versus-realisation report"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "tahap"], name="batch_one_per_cycle_tahap"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="batch_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=BatchState.values), name="batch_state_valid"
            ),
            # Four eyes: whoever prepared a batch never approves it.
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | ~models.Q(approved_by=models.F("prepared_by")),
                name="batch_four_eyes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.cycle_id} tahap {self.tahap}"


class BatchEvent(ActedEvent):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(_("from"), max_length=10, blank=True)
    to_state = models.CharField(_("to"), max_length=10)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.from_state} -> {self.to_state}"


class LineState(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    RETURNED = "returned", _("Returned")
    CANCELLED = "cancelled", _("Cancelled")


# Lines that hold (or may still become) the payment of their enrolment, component and period.
LIVE_LINE_STATES = [LineState.PENDING, LineState.PAID]
DEAD_LINE_STATES = [LineState.FAILED, LineState.RETURNED, LineState.CANCELLED]

# The reasons the system itself gives a line: English msgids, stored as they are and
# translated where they are shown. A bank's or an officer's own reason is shown as written.
REASON_GONE_BEFORE_SENDING = gettext_noop("Exited or deceased before sending.")
REASON_UNCLAIMED = gettext_noop("Unclaimed.")
REASON_HANDED_OVER = gettext_noop("Handed over.")
REASON_PAID_IN_PERSON = gettext_noop("Paid in person.")


class Component(models.TextChoices):
    BENEFIT = "benefit", _("Benefit")
    MATERIALS = "materials", _("Materials (to the shop)")
    LABOUR = "labour", _("Labour")
    REPORT = "report", _("Accountability report (LPJ)")


class Line(models.Model):
    """One payment or hand-over of one component to one enrolment for one period."""

    State = LineState
    Component = Component

    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="lines", verbose_name=_("batch")
    )
    enrolment = Link(
        "programs.Enrolment",
        _("enrolment"),
        db_index=False,  # covered by line_never_paid_twice
    )
    # The person and household are the enrolment's, copied for the household page and the
    # reports; the enrolment's own keys hold them (a person or household with an enrolment
    # cannot go), so they carry no key check of their own: one check per line per key is
    # most of what writing 300,000 lines costs.
    person = Link(
        "registry.Person",
        _("person"),
        db_index=False,  # line_person_idx
        db_constraint=False,
    )
    household = OptionalLink(
        "registry.Household",
        db_index=False,  # line_household_idx
        db_constraint=False,
    )
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13, blank=True)
    component = models.CharField(
        _("component"), max_length=10, choices=Component.choices, default=Component.BENEFIT
    )
    period = DateRangeField(_("period"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=0)
    payee = models.ForeignKey(
        Payee, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    outlet = models.ForeignKey(
        Outlet, on_delete=models.PROTECT, null=True, blank=True, related_name="lines"
    )
    account_number = models.CharField(_("account number"), max_length=20, blank=True)
    account_name = models.CharField(_("name on the account"), max_length=150, blank=True)
    warning = models.CharField(_("warning"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=24)
    state = models.CharField(
        _("state"), max_length=10, choices=LineState.choices, default=LineState.PENDING
    )
    # Whether the line holds its payment (pending or paid), for the constraint below. Paying
    # a pending line leaves it live, so no indexed value changes and PostgreSQL updates the
    # row in place (HOT, with the room the table's fillfactor leaves): reconciling 300,000
    # lines touches no index and re-checks no constraint.
    live = models.GeneratedField(
        expression=models.ExpressionWrapper(
            models.Q(state__in=LIVE_LINE_STATES), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    reissue_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reissue",
        verbose_name=_("re-issue of"),
    )

    class Meta:
        ordering = ["batch", "pk"]
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        constraints = [
            # Never paid twice: one live line per enrolment, component and overlapping period.
            ExclusionConstraint(
                name="line_never_paid_twice",
                expressions=[
                    ("enrolment", RangeOperators.EQUAL),
                    ("component", RangeOperators.EQUAL),
                    ("period", RangeOperators.OVERLAPS),
                ],
                condition=models.Q(live=True),
            ),
            # A constraint, not unique=True: no second (LIKE) index to write per line.
            models.UniqueConstraint(fields=["reference"], name="line_reference_unique"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="line_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=LineState.values), name="line_state_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["person"], name="line_person_idx"),
            models.Index(fields=["household"], name="line_household_idx"),
        ]

    def __str__(self) -> str:
        return self.reference


class LineEvent(ActedEvent):
    """A change of a line's state (reconciliation, hand-over, cancellation), with its reason."""

    line = models.ForeignKey(Line, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(_("from"), max_length=10)
    to_state = models.CharField(_("to"), max_length=10)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    return_file = OptionalLink("ReturnFile")

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.from_state} -> {self.to_state}"


class Refusal(models.Model):
    """Why building a batch left an enrolment out, one row per enrolment and reason."""

    class Reason(models.TextChoices):
        EXITED = "exited", _("Exited or deceased")
        ALREADY_PAID = "already_paid", _("Already paid for this period")
        AMOUNT = "amount", _("Amount outside the programme's range")
        BUDGET = "budget", _("The cycle's budget would be exceeded")
        PAYEE = "payee", _("Payee account missing or malformed")
        CAP = "cap", _("Over the programme's cap")
        NOT_DUE = "not_due", _("Not due in this period")
        ONCE_PER_DEATH = "once_per_death", _("The heir was already paid for this death")

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="refusals")
    enrolment = Link("programs.Enrolment", on_delete=models.CASCADE)
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    # An English msgid, with its parameters (amounts, dates) as plain values: translated
    # and formatted where it is shown (`distribution.reasons.reason_text`).
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["batch", "pk"]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.reason}"


class Document(TimeStampedModel):
    """A stored file of distribution: a hand-over's photo or signature, an RTLH LPJ."""

    class Kind(models.TextChoices):
        HANDOVER = "handover", _("Hand-over evidence")
        LPJ = "lpj", _("Accountability report (LPJ)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    original_name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=80, unique=True, editable=False)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=["image/jpeg", "image/png", "application/pdf"]),
                name="distribution_document_allowed_type",
            )
        ]

    def __str__(self) -> str:
        return self.original_name


class Handover(TimeStampedModel):
    """The BAST of one in-kind line: who received it, checked against the KK, and evidence."""

    line = models.OneToOneField(Line, on_delete=models.PROTECT, related_name="handover")
    receiver = Link("registry.Person", _("receiver"))
    officer = Link(settings.AUTH_USER_MODEL)
    handed_over_on = models.DateField(_("handed over on"))
    evidence = Link(Document)

    def __str__(self) -> str:
        return f"BAST {self.line_id}"


class Lpj(TimeStampedModel):
    """The accountability report of an RTLH case; the case closes only once it is in."""

    enrolment = models.OneToOneField(
        "programs.Enrolment", on_delete=models.PROTECT, related_name="distribution_lpj"
    )
    document = Link(Document)

    def __str__(self) -> str:
        return f"LPJ {self.enrolment_id}"


class ReturnFile(TimeStampedModel):
    """An uploaded return or statement file of the bank for one batch, previewed then applied."""

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="return_files")
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    preview = models.JSONField(default=dict, blank=True)
    # The upload's verdict, kept for the apply (the file is read and judged once): the
    # lines it moves, per state the bank reports, with the bank's reason for a failed or
    # returned line (in the order of its lines). Once applied, it is the record of which
    # file moved which line. Stored uncompressed (the migration), as is the file: writing
    # them costs less than compressing them.
    paid_lines = ArrayField(models.BigIntegerField(), default=list, editable=False)
    failed_lines = ArrayField(models.BigIntegerField(), default=list, editable=False)
    failed_reasons = ArrayField(models.CharField(max_length=200), default=list, editable=False)
    returned_lines = ArrayField(models.BigIntegerField(), default=list, editable=False)
    returned_reasons = ArrayField(models.CharField(max_length=200), default=list, editable=False)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    lines_changed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name
