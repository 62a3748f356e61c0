"""The citizens' own way in, without a login: the self-check and the online objection.

A citizen names themselves by NIK and a second factor: the name as written on the KK, or
the No. KK. Only when both belong to one living registered person does the self-check say
anything about them; an unknown NIK and a known NIK with a wrong name get the same neutral
answer after the same work (one read, one log row), so that the page cannot be used to
learn who is registered. An objection is always received and gets a tracking number; it
is tied to the person's household (and so to its kelurahan's Puskesos queue) only when the
two factors match, so that nobody can hold another person's case with their NIK alone.

Every use is logged (`PublicLookup`) without the name or No. KK typed, and the NIK only as
a keyed digest; limits per client address and per NIK are counted in the shared cache.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from depok_kds.log_rows import log_row_insert
from depok_kds.rate_limit import key_rate_limited
from programs.models import Enrolment, Programme
from registry.models import FamilyCard, Person
from registry.models.person import name_key
from registry.nik import today_wib
from verification.models import Complaint, PublicLookup
from verification.services.complaints import complaint_receive

K = Complaint.Kind
C = Complaint.Category
# What a citizen can send, as the complaint kind and category the Puskesos queue sorts by.
TOPICS: dict[str, tuple[str, str, Any]] = {
    "objection": (
        K.APPEAL,
        C.EXCLUSION,
        _("I object to my desil or to being taken off a programme (usul sanggah)"),
    ),
    "not_receiving": (K.COMPLAINT, C.EXCLUSION, _("I am poor and receive no assistance")),
    "data_error": (K.COMPLAINT, C.DATA_ERROR, _("My data in the registry is wrong")),
    "service": (K.COMPLAINT, C.SERVICE, _("A complaint about the service")),
}
DESIL_POOR_MAX = 5


@dataclass(frozen=True)
class SelfCheckAnswer:
    desil_band: str  # "1-5", "above_5" or "none"
    programmes: list[str]


@dataclass(frozen=True)
class _Identified:
    person_id: int
    household_id: int
    desil: int | None


def desil_band(desil: int | None) -> str:
    """What a citizen is told of their desil: in the band programmes target (1-5) or not."""
    if desil is None:
        return "none"
    return "1-5" if desil <= DESIL_POOR_MAX else "above_5"


def nik_digest(nik: str) -> str:
    """A keyed hash of a NIK: the same for the same NIK, useless without the secret key."""
    return salted_hmac("kds.public.nik", nik).hexdigest()


def _same(typed: str, stored: str) -> bool:
    return hmac.compare_digest(typed.encode(), stored.encode())


def _identify(*, nik: str, name: str, kk: str) -> _Identified | None:
    """The living registered person both factors name, in one read; else None."""
    open_kk = FamilyCard.objects.filter(
        household_id=OuterRef("household_id"), valid_to__isnull=True
    ).values("number")[:1]
    rows = (
        Person.objects.filter(nik=nik, household__isnull=False, is_deceased=False)
        .values("pk", "household_id", "name_normalized", "household__desil")
        .annotate(kk=Subquery(open_kk))[:1]
    )
    row = next(iter(rows), None)
    if row is None:
        return None
    if name:
        matched = _same(name_key(name), row["name_normalized"])
    else:
        matched = bool(kk) and _same(kk, row["kk"] or "")
    if not matched:
        return None
    return _Identified(row["pk"], row["household_id"], row["household__desil"])


def _log(
    kind: str,
    result: str,
    *,
    nik: str,
    factor: str,
    client_address: str | None,
    complaint: Complaint | None = None,
) -> None:
    log_row_insert(
        PublicLookup(
            kind=kind,
            result=result,
            nik_digest=nik_digest(nik) if nik else "",
            second_factor=factor,
            client_address=client_address,
            complaint=complaint,
        )
    )


def public_limited(*, kind: str, nik: str, client_address: str | None) -> bool:
    """Whether this client or this NIK used up its lookups (per 10 minutes); a refused
    lookup is logged too."""
    limits = settings.KDS_PUBLIC_LIMITS[kind]
    by_address = key_rate_limited(
        bucket=f"{kind}-addr", key=client_address or "-", limit=limits["address"]
    )
    by_nik = bool(nik) and key_rate_limited(
        bucket=f"{kind}-nik", key=nik_digest(nik), limit=limits["nik"]
    )
    if by_address or by_nik:
        _log(kind, PublicLookup.Result.LIMITED, nik=nik, factor="", client_address=client_address)
        return True
    return False


def self_check(
    *, nik: str, name: str = "", kk: str = "", client_address: str | None
) -> SelfCheckAnswer | None:
    """The person's desil band and this year's programmes, or None (the neutral answer)."""
    who = _identify(nik=nik, name=name, kk=kk)
    factor = "name" if name else "kk"
    if who is None:
        _log(
            PublicLookup.Kind.SELF_CHECK,
            PublicLookup.Result.NO_MATCH,
            nik=nik,
            factor=factor,
            client_address=client_address,
        )
        return None
    programmes = list(
        Programme.objects.filter(
            Q(enrolments__person_id=who.person_id)
            | Q(
                enrolments__household_id=who.household_id,
                target=Programme.Target.HOUSEHOLD,
            ),
            enrolments__status=Enrolment.Status.ACTIVE,
            enrolments__year=today_wib().year,
        )
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )
    band = desil_band(who.desil)
    _log(
        PublicLookup.Kind.SELF_CHECK,
        PublicLookup.Result.ANSWERED,
        nik=nik,
        factor=factor,
        client_address=client_address,
    )
    return SelfCheckAnswer(desil_band=band, programmes=programmes)


def objection_submit(
    *,
    topic: str,
    nik: str,
    name: str,
    kelurahan_code: str,
    contact: str,
    reason: str,
    client_address: str | None,
) -> Complaint:
    """Receive a citizen's objection or complaint through the complaint service.

    With NIK and name matching one registered person it concerns their household (so its
    kelurahan's queue); otherwise it goes to the kelurahan the citizen chose, with the NIK
    in its text for the officer to find the case.
    """
    kind, category, _label = TOPICS[topic]
    who = _identify(nik=nik, name=name, kk="")
    text = reason.strip()
    if who is None:
        text = f"{text}\n\nNIK: {nik} · {name.strip()}"
    complaint = complaint_receive(
        actor=None,
        kind=kind,
        category=category,
        channel=Complaint.Channel.PUBLIC,
        description=text,
        kelurahan_code=kelurahan_code,
        household_id=who.household_id if who else None,
        person_id=who.person_id if who else None,
        complainant_name=name.strip(),
        complainant_contact=contact.strip(),
    )
    _log(
        PublicLookup.Kind.OBJECTION,
        PublicLookup.Result.SUBMITTED,
        nik=nik,
        factor="name",
        client_address=client_address,
        complaint=complaint,
    )
    return complaint


def objection_refused(*, nik: str, client_address: str | None) -> None:
    """Log a submission refused as spam (the honeypot was filled)."""
    _log(
        PublicLookup.Kind.OBJECTION,
        PublicLookup.Result.REFUSED,
        nik=nik,
        factor="",
        client_address=client_address,
    )
