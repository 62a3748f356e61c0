"""Demo accounts for `make run`: one per role, all with the same printed password."""

from __future__ import annotations

from dataclasses import dataclass

from depok_kds.accounts import user_create
from depok_kds.models import User
from depok_kds.roles import Role

DEMO_PASSWORD = "demo-kds-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    name: str
    kelurahan_codes: tuple[str, ...] = ()
    agency_code: str = ""


DEMO_ACCOUNTS = [
    DemoAccount("admin", Role.DINSOS_ADMIN, "Admin Dinsos"),
    DemoAccount("operator", Role.DINSOS_OPERATOR, "Operator Dinsos"),
    DemoAccount(
        "puskesos.depok",
        Role.PUSKESOS_OFFICER,
        "Petugas Puskesos Depok",
        kelurahan_codes=("32.76.01.1006",),
    ),
    DemoAccount(
        "puskesos.tugu",
        Role.PUSKESOS_OFFICER,
        "Petugas Puskesos Tugu",
        kelurahan_codes=("32.76.02.1009",),
    ),
    DemoAccount("dinkes", Role.AGENCY_OFFICER, "Petugas Dinkes", agency_code="DINKES"),
    DemoAccount("disrumkim", Role.AGENCY_OFFICER, "Petugas Disrumkim", agency_code="DISRUMKIM"),
    DemoAccount("pimpinan", Role.LEADERSHIP, "Pimpinan TKPKD"),
    DemoAccount("auditor", Role.AUDITOR, "Auditor"),
]


def seed(*, households: int) -> str:
    """Create the demo accounts that do not exist yet; return a line for the console."""
    created = 0
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        first, _, last = account.name.partition(" ")
        user_create(
            username=account.username,
            password=DEMO_PASSWORD,
            role=account.role,
            first_name=first,
            last_name=last,
            kelurahan_codes=account.kelurahan_codes,
            agency_code=account.agency_code,
        )
        created += 1
    return f"demo accounts: {created} created, {len(DEMO_ACCOUNTS)} in all"


def logins_text() -> str:
    lines = [f"  {a.username:<16} {a.role.label}" for a in DEMO_ACCOUNTS]
    return "\n".join([f"Demo logins (password: {DEMO_PASSWORD}):", *lines])
