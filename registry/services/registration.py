"""Registration of new households: one set-based writer for the portal, the imports and the admin.

Whoever registers (a clerk one family at a time, the staff import a file of 100,000 members,
the admin's import-export resource) stages the checked families in two temporary tables and
calls `households_register_staged`, which writes, for every family at once: the household with
its head, the open family card, the members, the `registered` history event and the
`household.register` audit row. The writer itself refuses a batch in which a family has no
member or not exactly one head, or lies outside the actor's kelurahan; NIK and No. KK
uniqueness are the database's constraints.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from depok_kds.access import scope_queryset
from depok_kds.audit import Actor, current_remote_addr, recorded_user
from depok_kds.errors import DomainError, Forbidden
from registry.models import Kelurahan, Person
from registry.models.person import name_key

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

    from registry.services.common import MemberData

HEAD = Person.Relationship.HEAD
# The middle of a masked No. KK in history and audit rows (as `registry.selectors.mask_nik`).
MASK = "********"

STAGE = (
    "DROP TABLE IF EXISTS registration_family, registration_member",
    """
    CREATE TEMP TABLE registration_family (
        kk text PRIMARY KEY, kelurahan_code text NOT NULL, rw integer NOT NULL,
        rt integer NOT NULL, address text NOT NULL, valid_from date NOT NULL,
        household_id bigint NOT NULL
            DEFAULT nextval(pg_get_serial_sequence('registry_household', 'id'))
    ) ON COMMIT DROP
    """,
    """
    CREATE TEMP TABLE registration_member (
        row_no integer NOT NULL, kk text NOT NULL, nik text, full_name text NOT NULL,
        name_normalized text NOT NULL, sex text NOT NULL, birth_place text NOT NULL,
        birth_date date NOT NULL, relationship text NOT NULL, marital_status text NOT NULL,
        education text NOT NULL, occupation text NOT NULL, disability text NOT NULL,
        nik_missing_reason text NOT NULL DEFAULT '', nik_unverified text NOT NULL DEFAULT ''
    ) ON COMMIT DROP
    """,
)
FAMILY_COLUMNS = ("kk", "kelurahan_code", "rw", "rt", "address", "valid_from")
MEMBER_COLUMNS = (
    "row_no", "kk", "nik", "full_name", "name_normalized", "sex", "birth_place", "birth_date",
    "relationship", "marital_status", "education", "occupation", "disability",
    "nik_missing_reason",
)  # fmt: skip

# Ids come from the tables' own sequences, taken first (a family's as it is staged), so that
# a household is written with its head at once (the foreign keys are checked at commit)
# instead of updated after.
WRITES = (
    """
    CREATE TEMP TABLE registration_person ON COMMIT DROP AS
    SELECT m.row_no, m.kk, m.relationship,
        nextval(pg_get_serial_sequence('registry_person', 'id')) AS id
    FROM registration_member m ORDER BY m.row_no
    """,
    "ANALYZE registration_person",
    """
    INSERT INTO registry_household (id, kelurahan_code, rw, rt, address, status, head_id,
        poverty_class, desil_period, created_at, updated_at)
    SELECT f.household_id, f.kelurahan_code, f.rw, f.rt, f.address, 'active', n.id,
        '', '', %(now)s, %(now)s
    FROM registration_family f
    JOIN registration_person n ON n.kk = f.kk AND n.relationship = '1'
    ORDER BY f.household_id
    """,
    """
    INSERT INTO registry_familycard (household_id, number, valid_from, created_at, updated_at)
    SELECT household_id, kk, valid_from, %(now)s, %(now)s FROM registration_family
    """,
    """
    INSERT INTO registry_person (id, household_id, nik, nik_status, nik_unverified, full_name,
        name_normalized, sex, birth_place, birth_date, relationship, marital_status, education,
        occupation, disability, is_deceased, created_at, updated_at)
    SELECT n.id, f.household_id, m.nik,
        CASE WHEN m.nik IS NULL THEN 'missing' ELSE 'valid' END, m.nik_unverified,
        m.full_name, m.name_normalized, m.sex, m.birth_place, m.birth_date, m.relationship,
        m.marital_status, m.education, m.occupation, m.disability, false, %(now)s, %(now)s
    FROM registration_person n
    JOIN registration_member m ON m.row_no = n.row_no
    JOIN registration_family f ON f.kk = n.kk
    ORDER BY n.id
    """,
    """
    CREATE TEMP TABLE registration_done ON COMMIT DROP AS
    SELECT f.household_id, f.kk, f.kelurahan_code, f.rw, f.rt, f.address,
        h.id AS head_id, count(*) AS members, count(*) FILTER (WHERE m.nik IS NULL) AS nik_missing,
        jsonb_agg(n.id ORDER BY n.id) AS member_ids,
        jsonb_object_agg(n.id::text, m.nik_missing_reason)
            FILTER (WHERE m.nik IS NULL AND m.nik_missing_reason <> '') AS nik_missing_reasons,
        left(f.kk, 4) || %(mask)s || right(f.kk, 4) AS kk_masked
    FROM registration_family f
    JOIN registration_person n ON n.kk = f.kk
    JOIN registration_member m ON m.row_no = n.row_no
    LEFT JOIN registration_person h ON h.kk = f.kk AND h.relationship = '1'
    GROUP BY f.household_id, f.kk, f.kelurahan_code, f.rw, f.rt, f.address, h.id
    """,
    """
    INSERT INTO registry_householdevent (household_id, kind, details, actor_id, created_at)
    SELECT household_id, 'registered',
        jsonb_build_object('members', members, 'nik_missing', nik_missing, 'kk', kk_masked)
            -- why an adult has no NIK, where the clerk said so (keyed by person id)
            || jsonb_strip_nulls(jsonb_build_object('nik_missing_reasons', nik_missing_reasons))
            || %(details)s::jsonb,
        %(actor)s, %(now)s
    FROM registration_done ORDER BY household_id
    """,
    """
    INSERT INTO depok_kds_auditentry (created_at, actor_id, action, target_type, target_id,
        after, remote_addr)
    SELECT %(now)s, %(actor)s, 'household.register', 'registry.household', household_id::text,
        jsonb_build_object('kelurahan_code', kelurahan_code, 'rw', rw, 'rt', rt,
            'address', address, 'status', 'active', 'head_id', head_id, 'kk', kk_masked,
            'member_ids', member_ids) || %(details)s::jsonb,
        %(remote_addr)s
    FROM registration_done ORDER BY household_id
    """,
)


@dataclass(frozen=True, kw_only=True)
class FamilyData:
    """A new family as written on its card: the No. KK, the address and the members."""

    kk: str
    kelurahan_code: str
    rw: int
    rt: int
    address: str
    members: Sequence[MemberData]
    valid_from: date | None = None


def registration_stage(cursor: CursorWrapper) -> None:
    """Create the empty staging tables (dropped at commit) that `households_register_staged`
    reads; the caller fills them with checked families and their members."""
    for statement in STAGE:
        cursor.execute(statement)


def staged_write_params(
    writer: str, actor: Actor, details: dict[str, Any] | None, now: datetime | None
) -> dict[str, Any]:
    """What a set-based writer of staged rows binds: when, who acted, and the caller's details
    as JSON; it runs inside its caller's transaction (its staging tables drop at commit)."""
    if not connection.in_atomic_block:
        raise RuntimeError(f"{writer} runs inside the caller's transaction")
    user = recorded_user(actor)
    return {
        "now": now or timezone.now(),
        "actor": user.pk if user is not None else None,
        "details": _json(details or {}),
    }


def stage_copy(
    cursor: CursorWrapper, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Fill the staging `table` (a module's own constant name) with `rows` by one COPY."""
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def households_register_staged(
    *,
    cursor: CursorWrapper,
    actor: Actor,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, int]:
    """Register every staged family; return each No. KK's new household id.

    A family with no member, or not exactly one head (hubungan 1), or in a kelurahan outside
    the actor's scope refuses the whole batch: callers stage only families they checked.
    """
    params = staged_write_params("households_register_staged", actor, details, now)
    # Fresh statistics first: without them the planner joins the staged rows by nested loops.
    # Only of the columns joined and grouped on: the names and addresses cost most to sample.
    cursor.execute("ANALYZE registration_family (kk)")
    cursor.execute("ANALYZE registration_member (row_no, kk, relationship)")
    _heads_check(cursor)
    _scope_check(cursor, actor=actor)
    params |= {"mask": MASK, "remote_addr": current_remote_addr()}
    for statement in WRITES:
        cursor.execute(statement, params)
    cursor.execute("SELECT kk, household_id FROM registration_done")
    registered = {kk: int(household_id) for kk, household_id in cursor.fetchall()}
    cursor.execute("DROP TABLE registration_done, registration_person")
    cursor.execute("TRUNCATE registration_family, registration_member")
    return registered


@transaction.atomic
def households_register(
    *,
    actor: Actor,
    families: Sequence[FamilyData],
    details: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Register checked families (their NIKs parsed, their codes the models' choices) in one
    set-based write; return each No. KK's new household id."""
    today = timezone.localdate()
    members = [(family, member) for family in families for member in family.members]
    with connection.cursor() as cursor:
        registration_stage(cursor)
        stage_copy(
            cursor,
            "registration_family",
            FAMILY_COLUMNS,
            (
                (f.kk, f.kelurahan_code, f.rw, f.rt, f.address.strip(), f.valid_from or today)
                for f in families
            ),
        )
        stage_copy(
            cursor,
            "registration_member",
            MEMBER_COLUMNS,
            (
                (
                    row_no,
                    family.kk,
                    member.nik or None,
                    member.full_name.strip(),
                    name_key(member.full_name),
                    member.sex,
                    member.birth_place.strip(),
                    member.birth_date,
                    member.relationship,
                    member.marital_status,
                    member.education,
                    member.occupation.strip(),
                    member.disability,
                    member.nik_missing_reason.strip() if not member.nik else "",
                )
                for row_no, (family, member) in enumerate(members, start=1)
            ),
        )
        return households_register_staged(cursor=cursor, actor=actor, details=details)


def _heads_check(cursor: CursorWrapper) -> None:
    cursor.execute(
        """
        SELECT f.kk, coalesce(g.heads, 0), coalesce(g.members, 0)
        FROM registration_family f
        LEFT JOIN (
            SELECT kk, count(*) FILTER (WHERE relationship = '1') AS heads, count(*) AS members
            FROM registration_member GROUP BY kk
        ) g ON g.kk = f.kk
        WHERE g.kk IS NULL OR g.heads <> 1
        """  # no LIMIT: it would make the planner hope for an early row and loop
    )
    found = cursor.fetchone()
    if found is None:
        return
    kk, heads, members = found
    if members == 0:
        raise DomainError(
            _("A household needs at least one member."),
            code="no_members",
            details={"field": "members", "kk": kk[:4] + MASK + kk[-4:]},
        )
    raise DomainError(
        _("A household needs exactly one head of family; found %(count)d.") % {"count": heads},
        code="head_count",
        details={"field": "relationship", "kk": kk[:4] + MASK + kk[-4:]},
    )


def _scope_check(cursor: CursorWrapper, *, actor: Actor) -> None:
    cursor.execute("SELECT DISTINCT kelurahan_code FROM registration_family")
    codes = {code for (code,) in cursor.fetchall()}
    known = Kelurahan.objects.filter(code__in=codes)
    allowed = set(
        (
            known if actor is None else scope_queryset(known, user=actor, kelurahan_field="code")
        ).values_list("code", flat=True)
    )
    unknown = codes - set(known.values_list("code", flat=True))
    if unknown:
        raise DomainError(
            _("Unknown kelurahan code %(code)s.") % {"code": min(unknown)},
            code="unknown_kelurahan",
            details={"field": "kelurahan_code"},
        )
    if codes - allowed:
        raise Forbidden(
            _("You may only act on households in your own kelurahan."),
            details={"field": "kelurahan_code"},
        )


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)
