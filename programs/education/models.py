from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    SD = "sd", _("SD/MI")
    SMP = "smp", _("SMP/MTs")
    SMA = "sma", _("SMA/SMK/MA")
    PT = "pt", _("University")


class Payee(models.TextChoices):
    SCHOOL = "school", _("The school")
    STUDENT = "student", _("The student")
    BLOCKED_ACCOUNT = "blocked_account", _("A blocked account in the student's name")


# Who is paid, by level: SD/SMP aid goes to the school, SMA to the student, university
# money into a blocked account.
PAYEE_BY_LEVEL = {
    Level.SD: Payee.SCHOOL,
    Level.SMP: Payee.SCHOOL,
    Level.SMA: Payee.STUDENT,
    Level.PT: Payee.BLOCKED_ACCOUNT,
}


class EducationDetail(models.Model):
    application = models.OneToOneField(
        "programs.Application", on_delete=models.CASCADE, related_name="education_detail"
    )
    level = models.CharField(_("level"), max_length=4, choices=Level.choices)
    school_name = models.CharField(_("school or campus"), max_length=150)
    school_is_private = models.BooleanField(_("private school"), default=False)
    grade = models.PositiveSmallIntegerField(_("grade or semester"))
    student_number = models.CharField(_("NISN or student number"), max_length=20)
    payee = models.CharField(_("paid to"), max_length=16, choices=Payee.choices)

    class Meta:
        verbose_name = _("education aid detail")

    def __str__(self) -> str:
        return f"education #{self.application_id}"
