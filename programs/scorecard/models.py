"""The nightly data-quality scorecard: one count per kelurahan per measure per date."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from programs.scorecard.measures import MEASURE_CODES


class ScorecardCount(models.Model):
    """How many of a kelurahan's persons or households a measure found on one date.

    `base` is what the share is of (the kelurahan's living registered persons, or its active
    households, as the measure says). Written only by `scorecard_snapshot_take`; a second
    snapshot on the same date replaces the first.
    """

    on_date = models.DateField(_("date"))
    kelurahan_code = models.CharField(_("kelurahan"), max_length=13)
    measure = models.CharField(_("measure"), max_length=32)
    count = models.PositiveIntegerField(_("count"))
    base = models.PositiveIntegerField(_("out of"))
    created_at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("scorecard count")
        verbose_name_plural = _("scorecard counts")
        permissions = [
            ("view_scorecard_list", _("Can work through the scorecard's lists")),
            ("run_scorecard", _("Can count the scorecard now")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["on_date", "kelurahan_code", "measure"], name="scorecardcount_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(measure__in=MEASURE_CODES), name="scorecardcount_measure_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["measure", "on_date"], name="scorecardcount_trend_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.on_date} {self.kelurahan_code} {self.measure}: {self.count}"
