"""The programme core: agencies, programmes, cycles, applications (usulan), enrolments.

A programme app (programs/<kind>/) adds its own detail model, linked one-to-one to an
`Application`; the core never imports a programme app. Invariants live in the database:
one live application and one enrolment per beneficiary, programme and cycle.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from depok_kds.fields import Link, OptionalLink, OptionalUserLink
from depok_kds.models import ActedEvent, TimeStampedModel
from programs.eligibility import Outcome


class Agency(models.Model):
    """A city agency (perangkat daerah); owners run programmes, the others read reports."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=30)
    owns_programmes = models.BooleanField(_("owns programmes"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.short_name


class Programme(TimeStampedModel):
    """An aid programme of one agency: whom it targets, what it gives, and its rules.

    `kind` names the programme app that holds its detail form and extra rules (one app
    may serve several programmes: education has four levels). `rules` is the declarative
    eligibility list evaluated by `programs.eligibility`; `frequency_years` refuses a
    beneficiary enrolled within that many years; `excludes` lists programmes whose
    enrolment in the same year refuses this one.
    """

    class Target(models.TextChoices):
        PERSON = "person", _("Person")
        HOUSEHOLD = "household", _("Household")

    class Benefit(models.TextChoices):
        CASH = "cash", _("Cash")
        IN_KIND = "in_kind", _("In kind")
        PREMIUM_SUBSIDY = "premium_subsidy", _("Premium subsidy")
        SERVICE = "service", _("Service")

    class Funding(models.TextChoices):
        APBD = "apbd", _("City budget (APBD)")
        APBN = "apbn", _("National budget (APBN)")
        CSR = "csr", _("CSR")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=150)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("agency")
    )
    kind = models.CharField(_("programme app"), max_length=20)
    target = models.CharField(_("target"), max_length=10, choices=Target.choices)
    benefit = models.CharField(_("benefit"), max_length=16, choices=Benefit.choices)
    funding = models.CharField(
        _("funding"), max_length=8, choices=Funding.choices, default=Funding.APBD
    )
    amount_min = models.DecimalField(_("minimum amount"), max_digits=14, decimal_places=0)
    amount_max = models.DecimalField(_("maximum amount"), max_digits=14, decimal_places=0)
    rules = models.JSONField(_("eligibility rules"), default=list, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)
    frequency_years = models.PositiveSmallIntegerField(
        _("no repeat within (years)"), null=True, blank=True
    )
    excludes = models.ManyToManyField(
        "self", symmetrical=True, blank=True, verbose_name=_("excludes")
    )
    four_eyes = models.BooleanField(
        _("four eyes on decisions"),
        default=True,
        help_text=_(
            "Who proposed or verified an application cannot approve it, and who prepared a "
            "recipient list cannot commit it."
        ),
    )
    report_order = models.PositiveSmallIntegerField(_("report order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["report_order", "code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        permissions = [
            ("decide_application", "Can decide applications"),
            ("view_recipient_report", "Can view the recipients report"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_min__gte=0, amount_max__gte=models.F("amount_min")),
                name="programme_amount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(target__in=["person", "household"]),
                name="programme_target_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Cycle(TimeStampedModel):
    """A year (and tahap, 0 for the whole year) of a programme, with its quota and budget."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("programme")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    tahap = models.PositiveSmallIntegerField(_("tahap"), default=0)
    quota = models.PositiveIntegerField(_("quota"))
    budget = models.DecimalField(_("budget"), max_digits=16, decimal_places=0, default=0)
    amount = models.DecimalField(_("amount per beneficiary"), max_digits=14, decimal_places=0)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["programme", "-year", "-tahap"]
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "year", "tahap"], name="cycle_one_per_programme_year_tahap"
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=2015, year__lte=2100), name="cycle_year_range"
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.programme} {self.year}"
        return f"{label} tahap {self.tahap}" if self.tahap else label


class ApplicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_VERIFICATION = "in_verification", _("In verification")
    WAITLISTED = "waitlisted", _("Waitlisted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    ENROLLED = "enrolled", _("Enrolled")
    EXITED = "exited", _("Exited")


# States that hold the beneficiary's one application for a cycle.
LIVE_STATES = [s for s in ApplicationState.values if s != ApplicationState.REJECTED]
# States of an application still on its way: neither enrolled (the enrolment stands for it
# then) nor ended.
PENDING_STATES = [
    ApplicationState.DRAFT,
    ApplicationState.SUBMITTED,
    ApplicationState.IN_VERIFICATION,
    ApplicationState.WAITLISTED,
    ApplicationState.APPROVED,
]
# States that occupy a quota slot.
SLOT_STATES = [ApplicationState.APPROVED, ApplicationState.ENROLLED]


class Application(TimeStampedModel):
    """An usulan: a proposed beneficiary for one programme cycle, moved by services only."""

    State = ApplicationState

    class Channel(models.TextChoices):
        RT_RW = "rt_rw", _("RT/RW")
        SCHOOL = "school", _("School or campus")
        PUSKESOS = "puskesos", _("Puskesos")
        AGENCY = "agency", _("Agency")
        RESIDENT = "resident", _("Resident")

    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("programme"),
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="applications", verbose_name=_("cycle")
    )
    person = Link("registry.Person", _("person"))
    household = OptionalLink("registry.Household", _("household"))
    # For household programmes, the household is the beneficiary (one per cycle).
    per_household = models.BooleanField(default=False, editable=False)
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13, blank=True)
    channel = models.CharField(_("proposed by"), max_length=10, choices=Channel.choices)
    state = models.CharField(
        _("state"), max_length=16, choices=ApplicationState.choices, default="draft"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=0)
    submitted_by = OptionalUserLink(_("submitted by"))
    decided_by = OptionalUserLink(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "person"],
                condition=~models.Q(state="rejected"),
                name="application_one_live_per_person_cycle",
            ),
            models.UniqueConstraint(
                fields=["cycle", "household"],
                condition=~models.Q(state="rejected") & models.Q(per_household=True),
                name="application_one_live_per_household_cycle",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=ApplicationState.values),
                name="application_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="application_amount_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["cycle", "state"], name="application_cycle_state_idx"),
            models.Index(fields=["kelurahan_code", "state"], name="application_kelurahan_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} #{self.pk}"


class ApplicationEvent(ActedEvent):
    """One transition of an application, with who made it and why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="events", verbose_name=_("application")
    )
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_state} -> {self.to_state}"

    @property
    def from_label(self) -> str:
        return _state_label(self.from_state)

    @property
    def to_label(self) -> str:
        return _state_label(self.to_state)


def _state_label(state: str) -> str:
    """A stored state as people read it ("dalam verifikasi"); unknown values as stored."""
    return str(ApplicationState(state).label) if state in ApplicationState.values else state


class ProgrammeRules(TimeStampedModel):
    """A version of one programme's eligibility rules, as the scoring rulesets are versioned:
    a draft changes nothing; activating it (`programme_rules_activate`) retires the active
    version and puts its rules in force on the programme. Every eligibility result records
    the version that decided it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")

    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="rule_versions",
        verbose_name=_("programme"),
    )
    version = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("eligibility rules"), default=list, blank=True)
    frequency_years = models.PositiveSmallIntegerField(
        _("no repeat within (years)"), null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = OptionalUserLink(_("drafted by"))
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    activated_by = OptionalUserLink(_("activated by"))

    class Meta:
        ordering = ["programme", "-version"]
        verbose_name = _("programme rules version")
        verbose_name_plural = _("programme rules versions")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "version"], name="programme_rules_version_unique"
            ),
            models.UniqueConstraint(
                fields=["programme"],
                condition=models.Q(status="active"),
                name="programme_rules_one_active",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "active", "retired"]),
                name="programme_rules_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} v{self.version}"


class EligibilityResult(models.Model):
    """The outcome of one rule for one application at its latest evaluation."""

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="eligibility_results",
        verbose_name=_("application"),
    )
    position = models.PositiveSmallIntegerField(default=0)
    rule = models.CharField(_("rule"), max_length=60)
    passed = models.BooleanField(_("passed"))
    message = models.CharField(_("message"), max_length=200)  # an English msgid
    params = models.JSONField(default=dict, blank=True)
    rules_version = OptionalLink(ProgrammeRules, _("rules version"))
    evaluated_at = models.DateTimeField(_("evaluated at"), auto_now_add=True)

    class Meta:
        ordering = ["position"]

        verbose_name = _("eligibility result")
        verbose_name_plural = _("eligibility results")

    def __str__(self) -> str:
        return f"{self.application_id} {self.rule}: {self.passed}"

    def text(self) -> str:
        """The outcome as the person reading it says it, in the active language."""
        return Outcome(self.rule, self.passed, self.message, self.params).text(gettext)


class Enrolment(models.Model):
    """A beneficiary enrolled in a programme cycle: what the recipients report counts.

    `year` and `kelurahan_code` are copies (from the cycle and the household at enrolment)
    so that the report is one GROUP BY over this table with no join.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        EXITED = "exited", _("Exited")

    class ExitReason(models.TextChoices):
        DEATH = "death", _("Death")
        MOVED_AWAY = "moved_away", _("Moved away")
        GRADUATED = "graduated", _("Graduated")
        NO_LONGER_ELIGIBLE = "no_longer_eligible", _("No longer eligible")

    class Source(models.TextChoices):
        APPLICATION = "application", _("Application")
        IMPORT = "import", _("Import")
        # Realisation of a past, closed cycle recorded without the checks (see imports.py).
        HISTORICAL = "historical", _("Historical record (not checked)")
        DEMO = "demo", _("Demo data")

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("programme")
    )
    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("cycle")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    person = Link("registry.Person", _("person"))
    household = OptionalLink("registry.Household", _("household"), db_index=False)
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13, blank=True)
    application = models.OneToOneField(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolment",
        verbose_name=_("application"),
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=0)
    enrolled_on = models.DateField(_("enrolled on"))
    starts_on = models.DateField(_("benefit starts on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    exit_reason = models.CharField(
        _("exit reason"), max_length=20, choices=ExitReason.choices, blank=True
    )
    exited_on = models.DateField(_("exited on"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "cycle", "person"], name="enrolment_unique_per_cycle"
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", exit_reason="", exited_on__isnull=True)
                | models.Q(status="exited", exited_on__isnull=False) & ~models.Q(exit_reason=""),
                name="enrolment_exit_recorded",
            ),
        ]
        indexes = [
            # The recipients report: one index-only GROUP BY (programme, year).
            models.Index(fields=["year", "programme", "person"], name="enrolment_report_idx"),
            models.Index(fields=["kelurahan_code", "year"], name="enrolment_kelurahan_idx"),
            models.Index(fields=["person", "programme"], name="enrolment_person_idx"),
            models.Index(fields=["household", "programme"], name="enrolment_household_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.year}: {self.person_id}"


class Decree(TimeStampedModel):
    """An SK Wali Kota fixing the approved list of a cycle; its entries never change."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="decrees", verbose_name=_("cycle")
    )
    number = models.CharField(_("decree number"), max_length=80, unique=True)
    decreed_on = models.DateField(_("decree date"))
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("fixed by"),
    )

    class Meta:
        ordering = ["-decreed_on", "-pk"]
        verbose_name = _("decree (SK)")
        verbose_name_plural = _("decrees (SK)")

    def __str__(self) -> str:
        return self.number


class DecreeEntry(models.Model):
    """One numbered line of a decree, a frozen copy of the approved application."""

    decree = models.ForeignKey(
        Decree, on_delete=models.CASCADE, related_name="entries", verbose_name=_("decree")
    )
    position = models.PositiveIntegerField(_("no."))
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="decree_entry"
    )
    full_name = models.CharField(_("name"), max_length=150)
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=0)

    class Meta:
        ordering = ["decree", "position"]
        constraints = [
            models.UniqueConstraint(fields=["decree", "position"], name="decreeentry_position")
        ]

    def __str__(self) -> str:
        return f"{self.decree_id} #{self.position}"


class RecipientImport(TimeStampedModel):
    """An uploaded recipient list for one cycle, kept in the database so any worker can read it."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="imports", verbose_name=_("cycle")
    )
    file_name = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    committed = models.BooleanField(_("committed"), default=False)
    # A historical list records a past, closed cycle without the checks; never an open one.
    historical = models.BooleanField(_("historical record (not checked)"), default=False)

    class Meta:
        verbose_name = _("recipient import")
        verbose_name_plural = _("recipient imports")
