from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Func, Value
from django.utils.translation import gettext_lazy as _

from depok_kds.models import TimeStampedModel
from registry.names import normalize_name

# The length of a name, and of its normalised form: normalising can lengthen a name ("Mhd"
# becomes "muhammad"), so the form kept is cut to the column (`name_key`).
NAME_MAX = 150
# The normalised name as an array of its words.
NAME_WORDS = Func(
    F("name_normalized"),
    Value(" "),
    function="string_to_array",
    output_field=ArrayField(models.TextField()),
)


def name_key(full_name: str) -> str:
    """The comparable form of a name (`normalize_name`) as stored: cut to NAME_MAX."""
    return normalize_name(full_name)[:NAME_MAX]


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Relationship(models.TextChoices):
    """Dukcapil STAT_HBKEL codes: the stored value is the code itself."""

    HEAD = "1", _("Head of family")
    HUSBAND = "2", _("Husband")
    WIFE = "3", _("Wife")
    CHILD = "4", _("Child")
    CHILD_IN_LAW = "5", _("Son- or daughter-in-law")
    GRANDCHILD = "6", _("Grandchild")
    PARENT = "7", _("Parent")
    PARENT_IN_LAW = "8", _("Parent-in-law")
    OTHER_RELATIVE = "9", _("Other relative")
    DOMESTIC_WORKER = "10", _("Domestic worker")
    OTHER = "11", _("Other")


class Person(TimeStampedModel):
    """A resident as recorded on a family card.

    `household` is where the person belongs now; it is empty after they leave without joining
    another registered household (the household's events keep the link). A NIK belongs to one
    person; a person without one (a newborn not yet registered at Dukcapil) is flagged
    `missing` for follow-up. `name_normalized` is `registry.names.normalize_name(full_name)`,
    kept by the services, and is what name search compares.
    """

    class NikStatus(models.TextChoices):
        VALID = "valid", _("Valid")
        MISSING = "missing", _("Missing (follow up at Dukcapil)")

    # Defined at module level so that Meta's check constraints can name their values.
    Sex = Sex
    Relationship = Relationship

    class MaritalStatus(models.TextChoices):
        SINGLE = "belum_kawin", _("Not married")
        MARRIED = "kawin", _("Married")
        DIVORCED = "cerai_hidup", _("Divorced")
        WIDOWED = "cerai_mati", _("Widowed")

    class Education(models.TextChoices):
        NOT_YET = "belum_sekolah", _("Not yet in school")
        NONE = "tidak_sekolah", _("No schooling")
        PRIMARY_UNFINISHED = "belum_tamat_sd", _("Primary school not finished")
        PRIMARY = "sd", _("Primary school (SD)")
        JUNIOR = "smp", _("Junior secondary (SMP)")
        SENIOR = "sma", _("Senior secondary (SMA/SMK)")
        DIPLOMA = "d1_d3", _("Diploma (D1-D3)")
        BACHELOR = "d4_s1", _("Bachelor (D4/S1)")
        POSTGRADUATE = "s2_s3", _("Postgraduate (S2/S3)")

    class Disability(models.TextChoices):
        NONE = "none", _("None")
        PHYSICAL = "physical", _("Physical")
        SENSORY = "sensory", _("Sensory")
        INTELLECTUAL = "intellectual", _("Intellectual")
        MENTAL = "mental", _("Mental")
        MULTIPLE = "multiple", _("Multiple")

    household = models.ForeignKey(
        "registry.Household",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("household"),
    )
    # NULL, not "": many persons have no NIK yet, and the unique constraint must ignore them.
    nik = models.CharField(_("NIK"), max_length=16, null=True, blank=True)  # noqa: DJ001
    nik_status = models.CharField(
        _("NIK status"), max_length=10, choices=NikStatus.choices, default=NikStatus.VALID
    )
    # A NIK as a clerk typed it that cannot be one (an unknown region code, an impossible
    # date): kept as evidence for Dukcapil matching, never an identifier (not unique, not
    # searched, not sent anywhere). The person has no NIK (`nik` NULL) until one is confirmed.
    nik_unverified = models.CharField(
        _("NIK as typed (unverified)"), max_length=16, blank=True, default="", db_default=""
    )
    full_name = models.CharField(_("full name"), max_length=NAME_MAX)
    name_normalized = models.CharField(max_length=NAME_MAX, editable=False)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_place = models.CharField(_("place of birth"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"))
    relationship = models.CharField(
        _("relationship to head"), max_length=2, choices=Relationship.choices
    )
    marital_status = models.CharField(
        _("marital status"), max_length=12, choices=MaritalStatus.choices
    )
    education = models.CharField(_("education"), max_length=16, choices=Education.choices)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    disability = models.CharField(
        _("disability"), max_length=12, choices=Disability.choices, default=Disability.NONE
    )
    is_deceased = models.BooleanField(_("deceased"), default=False)
    death_date = models.DateField(_("date of death"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.UniqueConstraint(
                fields=["nik"], condition=models.Q(nik__isnull=False), name="person_nik_unique"
            ),
            # One living head per household; a deceased head keeps code "1" as history.
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(relationship=Relationship.HEAD, is_deceased=False),
                name="person_one_living_head",
            ),
            models.CheckConstraint(
                condition=models.Q(nik__isnull=True, nik_status="missing")
                | models.Q(nik__isnull=False, nik__regex=r"^[0-9]{16}$", nik_status="valid"),
                name="person_nik_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(nik_unverified="")
                | models.Q(nik__isnull=True, nik_unverified__regex=r"^[0-9]{16}$"),
                name="person_nik_unverified_only_without_nik",
            ),
            models.CheckConstraint(
                condition=models.Q(is_deceased=True) | models.Q(death_date__isnull=True),
                name="person_death_date_only_if_deceased",
            ),
            models.CheckConstraint(
                condition=models.Q(death_date__isnull=True)
                | models.Q(death_date__gte=models.F("birth_date")),
                name="person_death_after_birth",
            ),
            models.CheckConstraint(condition=models.Q(sex__in=Sex.values), name="person_sex_valid"),
            models.CheckConstraint(
                condition=models.Q(relationship__in=Relationship.values),
                name="person_relationship_valid",
            ),
        ]
        indexes = [
            GinIndex(
                fields=["name_normalized"], opclasses=["gin_trgm_ops"], name="person_name_trgm"
            ),
            # Equal names (exact search, one person in two households): a trigram index
            # answers equality too, but some hundred times slower.
            models.Index(fields=["name_normalized", "birth_date"], name="person_name_birth_idx"),
            # The words of the name, for "every typed word is in the name" (`&&`, `@>`).
            GinIndex(NAME_WORDS, name="person_name_words"),
        ]

    def __str__(self) -> str:
        return self.full_name


class NameWord(models.Model):
    """A word of the registry's normalised names and how many persons' names hold it.

    Derived data, rebuilt set-based by `name_words_refresh` (after imports and nightly): the
    search reads it to widen a typed word to its spellings in the registry and to weigh a
    rare word above a common one. A word registered since the last refresh is still found
    as typed; it only lacks its variants and counts as rare.
    """

    word = models.CharField(max_length=NAME_MAX, primary_key=True)
    persons = models.PositiveIntegerField()

    class Meta:
        indexes = [GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="nameword_trgm")]

    def __str__(self) -> str:
        return self.word
