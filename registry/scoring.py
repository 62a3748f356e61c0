"""Household poverty scoring on the 14 parameters of Perwal Depok 31/2022, driven by data.

Why data and not code: the official lampiran (answer options, points, weights and cut-offs) is
not public. A provisional ruleset is used until it is, and the real one must load without a code
change. Callers store the ruleset version and the raw answers next to every result, so any
household can be re-scored when the official values arrive.

Model: each parameter has options worth points (higher = poorer) and a weight (default 1). The
total is the sum of points x weight; the class is "miskin" at or above the miskin threshold,
"rentan" at or above the rentan threshold, otherwise "tidak_miskin".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

PROVISIONAL_RULESET_PATH = Path(__file__).resolve().parent / "data" / "ruleset_provisional.json"
CLASS_MISKIN = "miskin"
CLASS_RENTAN = "rentan"
CLASS_TIDAK_MISKIN = "tidak_miskin"
CLASS_LABELS: Mapping[str, str] = MappingProxyType(
    {CLASS_MISKIN: "Miskin", CLASS_RENTAN: "Rentan Miskin", CLASS_TIDAK_MISKIN: "Tidak Miskin"}
)
_CODE = re.compile(r"[a-z][a-z0-9_]*")

# --- Messages (Indonesian): ruleset errors reach the admin loading a lampiran, scoring errors
# reach the officer entering a household's answers. ---------------------------------------
MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "missing_key": "{path}: wajib diisi.",
        "unknown_keys": "{path}: kunci tidak dikenal: {keys}.",
        "not_mapping": "{path}: harus berupa objek (pasangan kunci dan nilai).",
        "not_list": "{path}: harus berupa daftar.",
        "not_text": "{path}: harus berupa teks yang tidak kosong.",
        "not_bool": "{path}: harus true atau false.",
        "not_number": "{path}: harus berupa angka.",
        "bad_code": "{path}: kode '{code}' hanya boleh huruf kecil, angka, dan garis bawah.",
        "duplicate_code": "{path}: kode '{code}' dipakai lebih dari sekali.",
        "no_parameters": "{path}: minimal 1 parameter.",
        "few_options": "{path}: minimal 2 pilihan jawaban; ditemukan {count}.",
        "negative_score": "{path}: skor tidak boleh negatif ({value}).",
        "bad_weight": "{path}: bobot harus lebih dari 0 ({value}).",
        "rentan_not_positive": "thresholds.rentan: ambang Rentan Miskin harus lebih dari 0.",
        "thresholds_order": "thresholds: ambang Miskin ({miskin}) harus lebih besar dari ambang "
        "Rentan Miskin ({rentan}).",
        "miskin_unreachable": "thresholds.miskin: ambang Miskin ({miskin}) melebihi skor "
        "maksimum {maximum}, sehingga kelas Miskin tidak pernah tercapai.",
        "unknown_parameter": "Parameter tidak dikenal dalam aturan {version}: {codes}.",
        "missing_answer": "Jawaban belum diisi untuk: {labels}.",
        "unknown_option": "Pilihan '{option}' tidak ada untuk parameter {label}. Pilihan yang "
        "sah: {valid}.",
        "summary_miskin": "Skor {total} dari {maximum}: kelas Miskin (ambang {miskin}).",
        "summary_rentan": "Skor {total} dari {maximum}: kelas Rentan Miskin (ambang {rentan}; "
        "kurang {gap} poin dari ambang Miskin {miskin}).",
        "summary_tidak_miskin": "Skor {total} dari {maximum}: kelas Tidak Miskin (di bawah ambang "
        "Rentan Miskin {rentan}).",
        "top_contributors": "Penyumbang terbesar: {items}.",
        "contributor": "{parameter}: {option} — {points} poin",
        "no_contributors": "Tidak ada parameter yang menambah skor.",
        "provisional": "Catatan: dihitung dengan aturan sementara {version}, karena lampiran "
        "resmi Perwal 31/2022 belum tersedia; skor dapat dihitung ulang.",
    }
)


class RulesetError(ValueError):
    """A ruleset document that cannot be used; the message names the offending path."""


class ScoringError(ValueError):
    """Answers that cannot be scored; ``parameters`` lists the parameter codes concerned."""

    def __init__(self, code: str, message: str, parameters: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.parameters = parameters


@dataclass(frozen=True)
class Option:
    """One answer to a parameter; ``score`` is in points, higher meaning poorer."""

    code: str
    label: str
    score: Decimal


@dataclass(frozen=True)
class Parameter:
    """One of the Perwal parameters; ``weight`` multiplies the chosen option's points."""

    code: str
    label_id: str
    label_en: str
    weight: Decimal
    options: tuple[Option, ...]

    def option(self, code: str) -> Option | None:
        return next((option for option in self.options if option.code == code), None)

    @property
    def max_points(self) -> Decimal:
        return max(option.score for option in self.options) * self.weight


@dataclass(frozen=True)
class Thresholds:
    miskin: Decimal
    rentan: Decimal


@dataclass(frozen=True)
class Ruleset:
    """A complete, validated, versioned set of parameters, options, weights and thresholds."""

    version: str
    name: str
    basis: str
    is_provisional: bool
    parameters: tuple[Parameter, ...]
    thresholds: Thresholds

    @property
    def max_possible(self) -> Decimal:
        return sum((parameter.max_points for parameter in self.parameters), Decimal(0))


@dataclass(frozen=True)
class Contribution:
    """What one answer added to the total; stored so the score can be explained later."""

    parameter_code: str
    option_code: str
    points: Decimal
    weight: Decimal
    weighted_points: Decimal


@dataclass(frozen=True)
class ScoreResult:
    """A household's score under one ruleset version; keep it with the raw answers."""

    ruleset_version: str
    total: Decimal
    max_possible: Decimal
    poverty_class: str
    contributions: tuple[Contribution, ...]


def _fail(key: str, **values: object) -> RulesetError:
    return RulesetError(MESSAGES[key].format(**values))


def _mapping(
    value: object, path: str, required: set[str], optional: frozenset[str] = frozenset()
) -> Mapping[str, object]:
    """Check an object's keys; unknown keys are refused so a typo cannot be silently ignored."""
    if not isinstance(value, Mapping):
        raise _fail("not_mapping", path=path)
    missing = sorted(required - value.keys())
    if missing:
        raise _fail("missing_key", path=f"{path}.{missing[0]}" if path else missing[0])
    unknown = sorted(str(key) for key in value.keys() - required - optional)
    if unknown:
        raise _fail("unknown_keys", path=path or "(akar)", keys=", ".join(unknown))
    return value


def _list(value: object, path: str) -> list[object]:
    if not isinstance(value, list):
        raise _fail("not_list", path=path)
    return value


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail("not_text", path=path)
    return value.strip()


def _code(value: object, path: str) -> str:
    code = _text(value, path)
    if not _CODE.fullmatch(code):
        raise _fail("bad_code", path=path, code=code)
    return code


def _number(value: object, path: str) -> Decimal:
    # bool is an int subclass; "true" as a score is a data error, not 1 point.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail("not_number", path=path)
    number = Decimal(str(value))  # str() avoids binary float artefacts such as 0.1000000001.
    if not number.is_finite():
        raise _fail("not_number", path=path)
    return number


def _unique(codes: list[str], path: str) -> None:
    duplicate = next((code for index, code in enumerate(codes) if code in codes[:index]), None)
    if duplicate is not None:
        raise _fail("duplicate_code", path=path, code=duplicate)


def _load_parameter(value: object, path: str) -> Parameter:
    data = _mapping(value, path, {"code", "label_id", "label_en", "options"}, frozenset({"weight"}))
    weight = _number(data.get("weight", 1), f"{path}.weight")
    if weight <= 0:
        raise _fail("bad_weight", path=f"{path}.weight", value=weight)
    raw_options = _list(data["options"], f"{path}.options")
    if len(raw_options) < 2:
        raise _fail("few_options", path=f"{path}.options", count=len(raw_options))
    options: list[Option] = []
    for index, raw_option in enumerate(raw_options):
        option_path = f"{path}.options[{index}]"
        option = _mapping(raw_option, option_path, {"code", "label", "score"})
        score = _number(option["score"], f"{option_path}.score")
        if score < 0:
            raise _fail("negative_score", path=f"{option_path}.score", value=score)
        code = _code(option["code"], f"{option_path}.code")
        options.append(Option(code, _text(option["label"], f"{option_path}.label"), score))
    _unique([option.code for option in options], f"{path}.options")
    code = _code(data["code"], f"{path}.code")
    label_id, label_en = (_text(data[key], f"{path}.{key}") for key in ("label_id", "label_en"))
    return Parameter(code, label_id, label_en, weight, tuple(options))


def load_ruleset(data: Mapping[str, object]) -> Ruleset:
    """Validate a ruleset document (parsed JSON) and build an immutable :class:`Ruleset`.

    Rules: every parameter has at least two options; parameter codes and option codes within
    a parameter are unique; scores are non-negative; weights are positive; 0 < rentan < miskin
    <= the maximum possible score. Raises :class:`RulesetError` naming the offending path.
    """
    root = _mapping(
        data, "", {"version", "name", "basis", "is_provisional", "parameters", "thresholds"}
    )
    if not isinstance(root["is_provisional"], bool):
        raise _fail("not_bool", path="is_provisional")
    raw_parameters = _list(root["parameters"], "parameters")
    if not raw_parameters:
        raise _fail("no_parameters", path="parameters")
    parameters = tuple(
        _load_parameter(raw, f"parameters[{index}]") for index, raw in enumerate(raw_parameters)
    )
    _unique([parameter.code for parameter in parameters], "parameters")
    raw_thresholds = _mapping(root["thresholds"], "thresholds", {"miskin", "rentan"})
    miskin, rentan = (
        _number(raw_thresholds[key], f"thresholds.{key}") for key in ("miskin", "rentan")
    )
    thresholds = Thresholds(miskin, rentan)
    version, name, basis = (_text(root[key], key) for key in ("version", "name", "basis"))
    ruleset = Ruleset(version, name, basis, root["is_provisional"], parameters, thresholds)
    if thresholds.rentan <= 0:
        raise _fail("rentan_not_positive")
    if thresholds.miskin <= thresholds.rentan:
        raise _fail("thresholds_order", miskin=thresholds.miskin, rentan=thresholds.rentan)
    if thresholds.miskin > ruleset.max_possible:
        raise _fail("miskin_unreachable", miskin=thresholds.miskin, maximum=ruleset.max_possible)
    return ruleset


def load_provisional_ruleset() -> Ruleset:
    """Load the bundled provisional ruleset (see its ``basis`` text for how it was built)."""
    with PROVISIONAL_RULESET_PATH.open(encoding="utf-8") as handle:
        data: Mapping[str, object] = json.load(handle)
    return load_ruleset(data)


def classify(ruleset: Ruleset, total: Decimal) -> str:
    """Return the class code for a total; thresholds are inclusive lower bounds."""
    if total >= ruleset.thresholds.miskin:
        return CLASS_MISKIN
    if total >= ruleset.thresholds.rentan:
        return CLASS_RENTAN
    return CLASS_TIDAK_MISKIN


def score(ruleset: Ruleset, answers: Mapping[str, str]) -> ScoreResult:
    """Score one household's answers (parameter code -> option code).

    Every parameter must be answered: a missing answer is not silently worth 0, because that
    would push the household towards "tidak miskin". Unknown parameters are refused too, so a
    typo in a code cannot drop an answer.
    """
    known = {parameter.code for parameter in ruleset.parameters}
    unknown = sorted(set(answers) - known)
    if unknown:
        message = MESSAGES["unknown_parameter"].format(
            version=ruleset.version, codes=", ".join(unknown)
        )
        raise ScoringError("unknown_parameter", message, tuple(unknown))
    missing = [parameter for parameter in ruleset.parameters if not answers.get(parameter.code)]
    if missing:
        labels = ", ".join(parameter.label_id for parameter in missing)
        message = MESSAGES["missing_answer"].format(labels=labels)
        raise ScoringError("missing_answer", message, tuple(p.code for p in missing))
    contributions: list[Contribution] = []
    for parameter in ruleset.parameters:
        chosen = parameter.option(answers[parameter.code])
        if chosen is None:
            message = MESSAGES["unknown_option"].format(
                option=answers[parameter.code],
                label=parameter.label_id,
                valid=", ".join(option.code for option in parameter.options),
            )
            raise ScoringError("unknown_option", message, (parameter.code,))
        weighted = chosen.score * parameter.weight
        contributions.append(
            Contribution(parameter.code, chosen.code, chosen.score, parameter.weight, weighted)
        )
    total = sum((contribution.weighted_points for contribution in contributions), Decimal(0))
    return ScoreResult(
        ruleset_version=ruleset.version,
        total=total,
        max_possible=ruleset.max_possible,
        poverty_class=classify(ruleset, total),
        contributions=tuple(contributions),
    )


def format_points(value: Decimal) -> str:
    """Format points the Indonesian way: "38", "37,5"."""
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value.normalize():f}".replace(".", ",")


def _option_label(parameter: Parameter, code: str) -> str:
    option = parameter.option(code)
    return option.label if option else code


def explain(result: ScoreResult, ruleset: Ruleset, *, top: int = 3) -> list[str]:
    """Explain a result in Indonesian sentences: the class, then the largest contributors.

    Written for the officer and the resident at a sanggahan: which answers drove the score,
    so a wrong answer can be spotted and corrected.
    """
    if result.ruleset_version != ruleset.version:
        raise ValueError(f"result was scored with {result.ruleset_version}, not {ruleset.version}")
    values = {
        "total": format_points(result.total),
        "maximum": format_points(result.max_possible),
        "miskin": format_points(ruleset.thresholds.miskin),
        "rentan": format_points(ruleset.thresholds.rentan),
        "gap": format_points(ruleset.thresholds.miskin - result.total),
    }
    sentences = [MESSAGES[f"summary_{result.poverty_class}"].format(**values)]
    parameters = {parameter.code: parameter for parameter in ruleset.parameters}
    ranked = sorted(
        (item for item in result.contributions if item.weighted_points > 0),
        key=lambda item: -item.weighted_points,  # sorted() is stable: ties keep Perwal order.
    )
    items = [
        MESSAGES["contributor"].format(
            parameter=parameters[item.parameter_code].label_id,
            option=_option_label(parameters[item.parameter_code], item.option_code),
            points=format_points(item.weighted_points),
        )
        for item in ranked[:top]
    ]
    if items:
        sentences.append(MESSAGES["top_contributors"].format(items="; ".join(items)))
    else:
        sentences.append(MESSAGES["no_contributors"])
    if ruleset.is_provisional:
        sentences.append(MESSAGES["provisional"].format(version=ruleset.version))
    return sentences
