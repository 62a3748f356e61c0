"""Demo programme data for `make run`: the 2021-2023 recipients of the city's table, and open
2026 cycles to apply to.

The table needs 276,017 distinct persons in 2023 (KIS PBI-APBD), more than a demo registry
holds, and an enrolment is unique per person, programme and cycle, so a person cannot be
counted twice. The demo therefore reproduces the table *exactly* when the registry holds at
least as many persons with a NIK as its largest figure, and otherwise scales every figure
by (persons / largest figure), rounding each, and says so in each demo cycle's note and on
the report page. Enrolments are written set-based: one INSERT ... SELECT per programme-year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from programs.models import Cycle, Enrolment, Programme
from registry.models import Household, Person

# Tabel I (Pemerintah Kota Depok 2024): programme code -> recipients 2021, 2022, 2023.
RECIPIENTS_TABLE: dict[str, tuple[int, int, int]] = {
    "kis-pbi-apbd": (224_935, 256_165, 276_017),
    "pendidikan-sd": (8_819, 8_041, 5_574),
    "pendidikan-smp": (9_827, 7_179, 5_591),
    "pendidikan-sma": (743, 1_478, 1_710),
    "pendidikan-pt": (0, 0, 100),
    "santunan-kematian": (4_142, 3_042, 1_942),
    "bantuan-pangan-kota": (1_672, 1_853, 2_474),
    "alat-disabilitas": (64, 64, 75),
    "rtlh": (1_747, 747, 2_150),
    "pelatihan-keterampilan": (86, 119, 289),
}
TABLE_YEARS = (2021, 2022, 2023)
OPEN_YEAR = 2026
OPEN_QUOTA = 100


def table_scale(persons: int, table: Mapping[str, Sequence[int]] = RECIPIENTS_TABLE) -> float:
    """1.0 when the registry can hold the table exactly, else persons / largest figure."""
    largest = max(max(v) for v in table.values())
    return 1.0 if persons >= largest else persons / largest


def scaled(figure: int, scale: float) -> int:
    return figure if scale == 1.0 else round(figure * scale)


_INSERT = f"""
INSERT INTO {Enrolment._meta.db_table}
    (programme_id, cycle_id, year, person_id, household_id, kelurahan_code, source, amount,
     enrolled_on, status, exit_reason)
SELECT %(programme)s, %(cycle)s, %(year)s, p.id, p.household_id, h.kelurahan_code, 'demo',
       %(amount)s, %(enrolled_on)s, 'active', ''
FROM {Person._meta.db_table} p JOIN {Household._meta.db_table} h ON h.id = p.household_id
WHERE p.nik IS NOT NULL
ORDER BY (p.id * 7919 + %(shift)s) %% 1000003, p.id
LIMIT %(n)s
"""  # noqa: S608 - table names come from the models, values are parameters


@transaction.atomic
def recipients_seed(
    *, table: Mapping[str, Sequence[int]] = RECIPIENTS_TABLE, years: tuple[int, ...] = TABLE_YEARS
) -> float:
    """Enrol demo recipients reproducing `table` (scaled if the registry is too small)."""
    persons = Person.objects.filter(nik__isnull=False, household__isnull=False).count()
    scale = table_scale(persons, table)
    note = "demo" if scale == 1.0 else f"demo, scaled x{scale:.6f}"
    programmes = {p.code: p for p in Programme.objects.filter(code__in=table)}
    with connection.cursor() as cursor:
        for code, figures in table.items():
            programme = programmes[code]
            for position, (year, figure) in enumerate(zip(years, figures, strict=True)):
                n = scaled(figure, scale)
                amount = programme.amount_max or Decimal(0)
                cycle, _ = Cycle.objects.get_or_create(
                    programme=programme,
                    year=year,
                    tahap=0,
                    defaults={
                        "quota": max(n, 1),
                        "amount": amount,
                        "budget": amount * n,
                        "status": Cycle.Status.CLOSED,
                        "note": note,
                    },
                )
                if n:
                    cursor.execute(
                        _INSERT,
                        {
                            "programme": programme.pk,
                            "cycle": cycle.pk,
                            "year": year,
                            "amount": amount,
                            "enrolled_on": date(year, 3, 1),
                            "shift": programme.report_order * 104_729 + position * 7,
                            "n": n,
                        },
                    )
    return scale


def open_cycles_seed(*, year: int = OPEN_YEAR) -> int:
    created = 0
    for programme in Programme.objects.filter(is_active=True):
        _, made = Cycle.objects.get_or_create(
            programme=programme,
            year=year,
            tahap=0,
            defaults={"quota": OPEN_QUOTA, "amount": programme.amount_max},
        )
        created += made
    return created


def seed(*, households: int) -> str:
    """Demo recipients for 2021-2023 and open 2026 cycles, unless already present."""
    if Enrolment.objects.filter(source=Enrolment.Source.DEMO).exists():
        return "demo enrolments already present, none added"
    scale = recipients_seed()
    opened = open_cycles_seed()
    enrolments = Enrolment.objects.count()
    how = "exactly" if scale == 1.0 else f"scaled x{scale:.4f} (registry too small)"
    return (
        f"{enrolments} enrolments reproducing the 2021-2023 recipients table {how}; "
        f"{opened} open cycles"
    )
