"""The audit log as sentences: who viewed whose full NIK, which filters an export used,
who did what to which record ("operator mengekspor 120 keluarga dengan NIK dan No. KK
lengkap; filter: kelurahan Tugu")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from depok_kds.models import AuditEntry

FIELD_LABELS = {"nik": "NIK", "kk": "No. KK"}
# What an action did, as a verb before its record ("mencatat hasil pemeriksaan #4"); an
# action not named here is shown by its code's last word.
ACTION_VERBS = {
    "household.register": _lazy("registered"),
    "household.head_change": _lazy("changed the head of"),
    "household.kk_change": _lazy("changed the No. KK of"),
    "household.split": _lazy("split"),
    "household.update_address": _lazy("changed the address of"),
    "person.add": _lazy("added a member to"),
    "person.death_record": _lazy("recorded the death of"),
    "person.move": _lazy("moved"),
    "person.nik_correct": _lazy("corrected the NIK of"),
    "person.remove": _lazy("removed"),
    "assessment.record": _lazy("recorded an assessment of"),
    "job.start": _lazy("started"),
    "user.create": _lazy("created"),
    "user.lock": _lazy("locked"),
    "programs.cycle_open": _lazy("opened"),
    "programs.decree_fix": _lazy("fixed"),
    "programs.enrolment_exit": _lazy("ended"),
    "verification.checks_open": _lazy("opened the checks of"),
    "verification.verdict_record": _lazy("recorded the verdict of"),
    "verification.evidence_add": _lazy("added"),
    "verification.visit_assign": _lazy("assigned"),
    "verification.visit_complete": _lazy("recorded"),
    "verification.visit_create": _lazy("created"),
    "verification.complaint_received": _lazy("received"),
    "verification.disagreement_resolve": _lazy("resolved the disagreement on"),
    "ruleset.activate": _lazy("activated"),
    "ruleset.create": _lazy("created"),
}


def _record_label(target_type: str, *, plural: bool) -> str:
    try:
        meta = apps.get_model(target_type)._meta
    except (LookupError, ValueError):
        return target_type or _("record")
    return str(meta.verbose_name_plural if plural else meta.verbose_name)


def _filters(filters: Any) -> str:
    if not isinstance(filters, Mapping):
        return ""
    shown = [f"{k}: {v}" for k, v in filters.items() if v not in (None, "", [], {})]
    return "; ".join(shown)


def audit_sentence(entry: AuditEntry) -> str:
    who = (entry.actor.get_full_name() or entry.actor.username) if entry.actor else _("System")
    after = entry.after if isinstance(entry.after, dict) else {}
    if entry.action in ("pii.view", "pii.export"):
        count = int(after.get("count") or 0)
        fields = " / ".join(FIELD_LABELS.get(f, f) for f in after.get("fields", [])) or "NIK"
        record = _record_label(entry.target_type, plural=count != 1)
        if entry.action == "pii.view":
            sentence = _("%(who)s viewed the full %(fields)s of %(count)s %(record)s") % {
                "who": who,
                "fields": fields,
                "count": count,
                "record": record,
            }
        else:
            sentence = _("%(who)s exported %(count)s %(record)s") % {
                "who": who,
                "count": count,
                "record": record,
            }
            if after.get("fields"):
                sentence += " " + _("with full %(fields)s") % {"fields": fields}
        if entry.target_id:
            sentence += f" (#{entry.target_id})"
        if used := _filters(after.get("filters")):
            sentence += "; " + _("filters: %(filters)s") % {"filters": used}
        return sentence + "."
    record = _record_label(entry.target_type, plural=False)
    target = f"{record} #{entry.target_id}" if entry.target_id else record
    verb = ACTION_VERBS.get(entry.action)
    if verb is not None:
        return f"{who} {verb} {target}."
    action = entry.action.rsplit(".", 1)[-1].replace("_", " ")
    return _("%(who)s: %(action)s, %(target)s.") % {"who": who, "action": action, "target": target}
