"""Reading Dukcapil's web-service verification answers, and deciding from them.

The service does not hand out data: for each element sent with a NIK it answers "SESUAI"
(matches) or "TIDAK SESUAI", and for names a similarity percentage. A NIK it does not know
comes back as "not found".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from registry.dukcapil.matching.records import Decision, Method, OutcomeCode, RegistryPerson

# Dukcapil's element names and the registry field each one checks.
FIELDS = {
    "NIK": "nik",
    "NAMA_LGKP": "name",
    "TGL_LHR": "birth_date",
    "TMPT_LHR": "birth_place",
    "JENIS_KLMIN": "sex",
    "NAMA_LGKP_IBU": "mother_name",
    "NO_KK": "kk",
}
NAME_FIELDS = frozenset({"NAMA_LGKP", "NAMA_LGKP_IBU"})
# A name answered with at least this similarity (percent) is the same name.
NAME_THRESHOLD = 90.0
_NOT_FOUND_MARKERS = ("tidak ditemukan", "not found", "tidak terdaftar")


class UnreadableAnswer(ValueError):
    """The service answered something that is not a verification."""


@dataclass(frozen=True)
class Verification:
    found: bool
    fields: Mapping[str, bool] = field(default_factory=dict)  # element -> SESUAI
    similarity: Mapping[str, float] = field(default_factory=dict)  # name element -> percent
    message: str = ""


def _verdict(value: Any) -> bool | None:
    text = str(value).strip().upper().replace("_", " ")
    if text == "SESUAI":
        return True
    if text in {"TIDAK SESUAI", "TIDAKSESUAI"}:
        return False
    return None


def parse_answer(body: Mapping[str, Any], *, threshold: float = NAME_THRESHOLD) -> Verification:
    """Turn a response body ({"content": [{element: verdict, ...}]}) into a Verification."""
    content = body.get("content")
    if isinstance(content, list):
        content = content[0] if content else {}
    if not isinstance(content, Mapping):
        raise UnreadableAnswer("no content in the answer")
    message = str(content.get("RESPON", "")).strip()
    if message and any(marker in message.casefold() for marker in _NOT_FOUND_MARKERS):
        return Verification(found=False, message=message)
    verdicts: dict[str, bool] = {}
    similarity: dict[str, float] = {}
    for element in FIELDS:
        if element not in content:
            continue
        value = content[element]
        verdict = _verdict(value)
        if verdict is None and element in NAME_FIELDS:
            try:
                percent = float(str(value).replace(",", ".").rstrip("%"))
            except ValueError as exc:
                raise UnreadableAnswer(f"{element}: {value!r}") from exc
            similarity[element] = percent
            verdict = percent >= threshold
        if verdict is None:
            raise UnreadableAnswer(f"{element}: {value!r}")
        verdicts[element] = verdict
    if not verdicts:
        raise UnreadableAnswer(message or "no element verified")
    if verdicts.get("NIK") is False:
        return Verification(found=False, fields=verdicts, similarity=similarity, message=message)
    return Verification(found=True, fields=verdicts, similarity=similarity, message=message)


def decide_verification(person: RegistryPerson, answer: Verification) -> Decision:
    """Matched when every element sent is SESUAI; otherwise the differing fields."""
    evidence: dict[str, Any] = {
        "fields": {
            element: ("SESUAI" if ok else "TIDAK SESUAI") for element, ok in answer.fields.items()
        },
        "similarity": dict(answer.similarity),
    }
    if answer.message:
        evidence["message"] = answer.message
    if not answer.found:
        return Decision(
            person_id=person.person_id,
            outcome=OutcomeCode.NOT_FOUND,
            score=0.0,
            method=Method.WEB_SERVICE,
            evidence=evidence,
        )
    differences = tuple(FIELDS[e] for e, ok in answer.fields.items() if not ok and e != "NIK")
    share = sum(answer.fields.values()) / len(answer.fields)
    name = answer.similarity.get("NAMA_LGKP")
    score = share if name is None else (share + name / 100) / 2
    outcome = OutcomeCode.DIFFERENCES if differences else OutcomeCode.MATCHED
    if "kk" in differences:
        outcome = OutcomeCode.KK_DIFFERS
    return Decision(
        person_id=person.person_id,
        outcome=outcome,
        score=round(min(max(score, 0.0), 1.0), 4),
        method=Method.WEB_SERVICE,
        differences=differences,
        dukcapil={"verified": evidence["fields"], "similarity": evidence["similarity"]},
        evidence=evidence,
    )


def not_verified(person: RegistryPerson, reason: str) -> Decision:
    """The service could not be asked (timeout, outage, open circuit): try again next run."""
    return Decision(
        person_id=person.person_id,
        outcome=OutcomeCode.NOT_VERIFIED,
        score=0.0,
        method=Method.WEB_SERVICE,
        evidence={"error": reason[:500]},
    )
