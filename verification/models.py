"""Verification: the checks an application needs, field visits, verivali rounds, complaints.

Every application of a programme needs the checks its `Policy` lists (poverty by Dinsos
through a field visit, the owning agency's technical check, the Dukcapil identity match).
Each check takes exactly one `Verdict` (a one-to-one row, so a second verdict cannot be
stored); in blind mode the verdicts stay hidden from each other until both are in, and a
disagreement waits in the resolution queue for a Dinsos supervisor.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import Link, OptionalLink, OptionalUserLink
from depok_kds.models import ActedEvent, TimeStampedModel


class CheckKind(models.TextChoices):
    POVERTY = "poverty", _("Poverty check (Dinsos field visit)")
    TECHNICAL = "technical", _("Technical check (owning agency)")
    IDENTITY = "identity", _("Identity check (Dukcapil match)")


# Checks decided by people, whose verdicts blind mode hides from each other.
HUMAN_CHECKS = (CheckKind.POVERTY, CheckKind.TECHNICAL)
POVERTY_AGENCY = "DINSOS"


class Policy(TimeStampedModel):
    """How one programme is verified: which checks, blind or not, when to re-verify."""

    programme = models.OneToOneField(
        "programs.Programme",
        on_delete=models.CASCADE,
        related_name="verification_policy",
        verbose_name=_("programme"),
    )
    checks = ArrayField(
        models.CharField(max_length=10, choices=CheckKind.choices), verbose_name=_("checks")
    )
    technical_label = models.CharField(_("what the technical check verifies"), max_length=200)
    blind = models.BooleanField(_("blind dual verification"), default=False)
    reverify_months = models.PositiveSmallIntegerField(
        _("re-verify enrolled households every (months)"), null=True, blank=True
    )
    reverify_on_desil_change = models.BooleanField(
        _("re-verify when a new DTSEN quarter changes the desil"), default=False
    )

    def blind_between(self, human_checks: int) -> bool:
        """Blind mode applies: the policy asks for it and more than one officer decides."""
        return self.blind and human_checks > 1

    class Meta:
        verbose_name = _("verification policy")
        verbose_name_plural = _("verification policies")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(checks__contained_by=CheckKind.values),
                name="policy_checks_known",
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme}"


class Check(TimeStampedModel):
    """One required check of one application; `status` follows its verdict (or resolution)."""

    Kind = CheckKind

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")
        DISPUTED = "disputed", _("Disputed (waiting for a supervisor)")
        NOT_AVAILABLE = "not_available", _("Not available")

    application = models.ForeignKey(
        "programs.Application",
        on_delete=models.CASCADE,
        related_name="checks",
        verbose_name=_("application"),
    )
    kind = models.CharField(_("check"), max_length=10, choices=CheckKind.choices)
    agency_code = models.CharField(_("verifying agency"), max_length=12, blank=True)
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13, blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.PENDING
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["application", "kind"]
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        permissions = [
            ("decide_check", "Can record a verdict on a check"),
            ("resolve_disagreement", "Can resolve disagreeing verdicts"),
            ("view_oversight", "Can view the verification pipeline"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="check_one_per_kind"),
            models.CheckConstraint(
                condition=models.Q(kind__in=CheckKind.values), name="check_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "passed", "failed", "disputed", "not_available"]
                ),
                name="check_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "agency_code"], name="check_queue_idx"),
            models.Index(fields=["kelurahan_code", "status"], name="check_kelurahan_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.kind}: {self.status}"


class Verdict(models.Model):
    """The one verdict on a check, with the findings it rests on. Never changed."""

    check_row = models.OneToOneField(
        Check, on_delete=models.CASCADE, related_name="verdict", verbose_name=_("check")
    )
    passed = models.BooleanField(_("passed"))
    reason = models.TextField(_("reason"))
    findings = models.JSONField(_("findings"), default=dict, blank=True)
    agency_code = models.CharField(_("agency of the verifier"), max_length=12, blank=True)
    decided_by = OptionalUserLink(_("decided by"))
    created_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("verdict")
        verbose_name_plural = _("verdicts")
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="verdict_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.check_row_id}: {'passed' if self.passed else 'failed'}"


class Resolution(TimeStampedModel):
    """A disagreement between the two verdicts of an application, and the supervisor's call."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    application = models.OneToOneField(
        "programs.Application",
        on_delete=models.CASCADE,
        related_name="verification_resolution",
        verbose_name=_("application"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    passed = models.BooleanField(_("checks upheld as passed"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    resolved_by = OptionalUserLink(_("resolved by"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("disagreement")
        verbose_name_plural = _("disagreements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open", passed__isnull=True, resolved_at__isnull=True)
                | models.Q(status="resolved", passed__isnull=False, resolved_at__isnull=False),
                name="resolution_complete_when_resolved",
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.status}"


class VerivaliRound(TimeStampedModel):
    """One generation of re-verification visits (verivali), done by a job."""

    programme = OptionalLink("programs.Programme", _("programme"))
    job = models.OneToOneField(
        "depok_kds.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("visits due on"))
    started_by = OptionalUserLink(_("started by"))
    visits_created = models.PositiveIntegerField(_("visits created"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("verivali round")
        verbose_name_plural = _("verivali rounds")

    def __str__(self) -> str:
        return f"verivali #{self.pk}"


class FieldVisit(TimeStampedModel):
    """A Puskesos visit to a household: assigned by kelurahan with a due date, then recorded."""

    class Purpose(models.TextChoices):
        VERIFICATION = "verification", _("Verification of an application")
        VERIVALI = "verivali", _("Re-verification (verivali)")
        COMPLAINT = "complaint", _("Complaint or appeal")

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    household = Link("registry.Household", _("household"))
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    check_row = models.OneToOneField(
        Check,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visit",
        verbose_name=_("check"),
    )
    verivali_round = models.ForeignKey(
        VerivaliRound,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("verivali round"),
    )
    complaint = models.ForeignKey(
        "verification.Complaint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("complaint"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ASSIGNED
    )
    assigned_to = OptionalUserLink(_("assigned to"))
    due_on = models.DateField(_("due on"))
    visited_on = models.DateField(_("visited on"), null=True, blank=True)
    visited_by = OptionalUserLink(_("visited by"))
    assessment = OptionalLink("registry.Assessment", _("assessment"))
    notes = models.TextField(_("notes"), blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("field visit")
        verbose_name_plural = _("field visits")
        constraints = [
            # A re-run of a verivali job never visits a household twice in one round.
            models.UniqueConstraint(
                fields=["verivali_round", "household"],
                condition=models.Q(verivali_round__isnull=False),
                name="fieldvisit_one_per_round_household",
            ),
            models.CheckConstraint(
                condition=models.Q(status="done", visited_on__isnull=False)
                | ~models.Q(status="done"),
                name="fieldvisit_done_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="fieldvisit_gps_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["kelurahan_code", "status", "due_on"], name="fieldvisit_queue_idx"
            ),
            models.Index(fields=["household", "-visited_on"], name="fieldvisit_household_idx"),
        ]

    def __str__(self) -> str:
        return f"visit #{self.pk}"


class Complaint(TimeStampedModel):
    """A pengaduan or sanggahan, with its tracking number, SLA, status and outcome."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint (pengaduan)")
        APPEAL = "appeal", _("Appeal (sanggahan)")

    class Category(models.TextChoices):
        EXCLUSION = "exclusion", _("Exclusion: poor and receiving nothing")
        INCLUSION = "inclusion", _("Inclusion: a recipient who is not poor")
        DATA_ERROR = "data_error", _("Data error")
        SERVICE = "service", _("Service")

    class Channel(models.TextChoices):
        PUSKESOS = "puskesos", _("Puskesos desk")
        PORTAL = "portal", _("Portal")
        API = "api", _("API")
        PUBLIC = "public", _("Public website")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")
        ESCALATED = "escalated", _("Escalated")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        NOT_UPHELD = "not_upheld", _("Not upheld")
        REFERRED = "referred", _("Referred to the responsible agency")
        REOPENED = "reopened", _("Application reopened")
        REVISIT = "revisit", _("Household to be re-verified")

    tracking_number = models.CharField(_("tracking number"), max_length=12, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    channel = models.CharField(_("received through"), max_length=10, choices=Channel.choices)
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13)
    household = OptionalLink("registry.Household", _("household"))
    person = OptionalLink("registry.Person", _("person"))
    application = OptionalLink("programs.Application", _("application"))
    description = models.TextField(_("what the complaint says"))
    complainant_name = models.CharField(_("complainant's name"), max_length=150, blank=True)
    complainant_contact = models.CharField(_("complainant's contact"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    due_at = models.DateTimeField(_("answer due"))
    assigned_to = OptionalUserLink(_("assigned to"))
    received_by = OptionalUserLink(_("received by"))
    answer = models.TextField(_("answer"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopened_application = OptionalLink("programs.Application", _("reopened as"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("complaint or appeal")
        verbose_name_plural = _("complaints and appeals")
        permissions = [("view_complainant", "Can see who reported an inclusion error")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["received", "in_progress", "answered", "closed", "escalated"]
                ),
                name="complaint_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["answered", "closed"])
                | (
                    ~models.Q(answer="")
                    & ~models.Q(outcome="")
                    & models.Q(answered_at__isnull=False)
                ),
                name="complaint_answered_has_answer",
            ),
            models.CheckConstraint(
                condition=models.Q(tracking_number__regex=r"^[A-Z2-9]{10}$"),
                name="complaint_tracking_number_format",
            ),
        ]
        indexes = [
            models.Index(fields=["kelurahan_code", "status", "due_at"], name="complaint_queue_idx"),
        ]

    def __str__(self) -> str:
        return self.tracking_number


# A complaint not yet decided (answered or closed).
COMPLAINT_OPEN_STATUSES = ("received", "in_progress", "escalated")


class ComplaintEvent(ActedEvent):
    """One step of a complaint: who moved it, from which status to which, and why."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("complaint")
    )
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_status} -> {self.to_status}"

    @property
    def from_label(self) -> str:
        return _status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return _status_label(self.to_status)


def _status_label(status: str) -> str:
    """A stored complaint status as people read it ("diterima"); unknown values as stored."""
    return str(Complaint.Status(status).label) if status in Complaint.Status.values else status


class Evidence(TimeStampedModel):
    """A photo or scanned document of a visit, a technical check (the RTLH house survey) or
    a complaint, stored outside the web root and served only through an access check."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        DOCUMENT = "document", _("Document")

    visit = models.ForeignKey(
        FieldVisit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("visit"),
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("complaint"),
    )
    check_row = models.ForeignKey(
        Check,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("check"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    original_name = models.CharField(_("file name"), max_length=200)
    stored_name = models.CharField(max_length=80, unique=True, editable=False)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = OptionalUserLink(_("uploaded by"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    visit__isnull=False, complaint__isnull=True, check_row__isnull=True
                )
                | models.Q(visit__isnull=True, complaint__isnull=False, check_row__isnull=True)
                | models.Q(visit__isnull=True, complaint__isnull=True, check_row__isnull=False),
                name="evidence_belongs_to_one_case",
            ),
            models.CheckConstraint(
                condition=models.Q(content_type__in=["image/jpeg", "image/png", "application/pdf"]),
                name="evidence_allowed_type",
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class PublicLookup(models.Model):
    """One use of the public self-check or objection form, kept to trace abuse.

    Never the name or No. KK typed, nor the NIK itself: `nik_digest` (a keyed hash) lets the
    lookups of one NIK be counted without storing it.
    """

    class Kind(models.TextChoices):
        SELF_CHECK = "self_check", _("Self-check")
        OBJECTION = "objection", _("Objection or complaint")

    class Result(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        NO_MATCH = "no_match", _("No match (neutral answer)")
        LIMITED = "limited", _("Refused: too many lookups")
        SUBMITTED = "submitted", _("Submitted")
        REFUSED = "refused", _("Refused as spam")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    nik_digest = models.CharField(_("NIK digest"), max_length=64, blank=True)
    second_factor = models.CharField(_("second factor"), max_length=4, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    complaint = OptionalLink(Complaint, _("complaint"), on_delete=models.SET_NULL)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("public lookup")
        verbose_name_plural = _("public lookups")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["self_check", "objection"]),
                name="publiclookup_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    result__in=["answered", "no_match", "limited", "submitted", "refused"]
                ),
                name="publiclookup_result_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(second_factor__in=["", "name", "kk"]),
                name="publiclookup_factor_valid",
            ),
        ]
        indexes = [models.Index(fields=["nik_digest", "-created_at"], name="publiclookup_nik_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.result} {self.created_at}"
