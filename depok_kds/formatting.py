"""The one formatter for money and dates shown to people (templates, PDFs, XLSX headers).

Rupiah as ``Rp23.000.000``, dates as ``6 Desember 2026`` (month in the active language) and
moments as ``6 Desember 2026, 14:05`` (local time), whatever the locale's number settings are.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import formats, timezone


def rupiah(amount: Decimal | int | float | str | None) -> str:
    """``Rp23.000.000``: whole rupiah, dots between thousands; empty for no amount."""
    if amount is None or amount == "":
        return ""
    value = int(Decimal(str(amount)).to_integral_value())
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{abs(value):,}".replace(",", ".")


def long_date(value: date | datetime | None) -> str:
    """``6 Desember 2026``; a moment is shown on its local day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return formats.date_format(value, "j F Y")


def long_datetime(value: datetime | None) -> str:
    """``6 Desember 2026, 14:05``: a moment on its local day and clock."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{long_date(local)}, {formats.time_format(local, 'H:i')}"
