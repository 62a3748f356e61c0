"""History of members added to existing households in bulk: one set-based writer for the
staff import and the admin's import-export resource.

A bulk path stages what it added (household, person, relationship, whether the NIK is
missing and why) and calls `members_added_record_staged`, which writes one `member_added`
event per person with the details of the portal's single addition
(`registry.services.members.household_member_add`): the relationship, whether the NIK is
missing and, for a member without one, the reason given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from depok_kds.audit import Actor
from registry.services.registration import stage_copy, staged_write_params

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

# Emptied by each record, dropped at commit.
STAGE = """
    CREATE TEMP TABLE IF NOT EXISTS member_added_stage (
        household_id bigint NOT NULL, person_id bigint NOT NULL, relationship text NOT NULL,
        nik_missing boolean NOT NULL, nik_missing_reason text NOT NULL DEFAULT ''
    ) ON COMMIT DROP
"""
STAGE_COLUMNS = ("household_id", "person_id", "relationship", "nik_missing", "nik_missing_reason")
RECORD = """
    INSERT INTO registry_householdevent (household_id, person_id, kind, details, actor_id,
        created_at)
    SELECT household_id, person_id, 'member_added',
        jsonb_build_object('relationship', relationship, 'nik_missing', nik_missing)
            -- why an adult has no NIK, as the file says (as the portal's member_added)
            || jsonb_strip_nulls(jsonb_build_object('nik_missing_reason',
                CASE WHEN nik_missing THEN nullif(nik_missing_reason, '') END))
            || %(details)s::jsonb,
        %(actor)s, %(now)s
    FROM member_added_stage ORDER BY person_id
"""


@dataclass(frozen=True, kw_only=True)
class MemberAdded:
    """A person just written into an existing household."""

    household_id: int
    person_id: int
    relationship: str
    nik_missing: bool
    nik_missing_reason: str = ""


def members_added_stage(cursor: CursorWrapper) -> None:
    """Create the staging table `members_added_record_staged` reads, for the caller to fill
    with the members it added."""
    cursor.execute(STAGE)


def members_added_record_staged(
    *,
    cursor: CursorWrapper,
    actor: Actor,
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> int:
    """Write the `member_added` event of every staged member; return how many."""
    params = staged_write_params("members_added_record_staged", actor, details, now)
    cursor.execute(RECORD, params)
    written: int = cursor.rowcount
    cursor.execute("TRUNCATE member_added_stage")
    return written


@transaction.atomic
def members_added_record(
    *, actor: Actor, added: Sequence[MemberAdded], details: dict[str, Any] | None = None
) -> int:
    """Write the `member_added` event of every member in `added`; return how many."""
    with connection.cursor() as cursor:
        members_added_stage(cursor)
        stage_copy(
            cursor,
            "member_added_stage",
            STAGE_COLUMNS,
            (
                (
                    member.household_id,
                    member.person_id,
                    member.relationship,
                    member.nik_missing,
                    member.nik_missing_reason.strip() if member.nik_missing else "",
                )
                for member in added
            ),
        )
        return members_added_record_staged(cursor=cursor, actor=actor, details=details)
