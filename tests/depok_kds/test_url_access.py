"""Walk the whole URL configuration: every route, now and later, refuses outsiders.

Anonymous visitors, a signed-in user with no role, leadership (aggregates only) and an API
client with no scope must each get a redirect to the login page, 401, 403 or 404, and a
refusal must reveal nothing (no personal data markers in the body).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from depok_kds.models import Job, User
from registry.models import Person
from tests.overlap.factories import enrol
from tests.registry.factories import KELURAHAN_DEPOK, KELURAHAN_TUGU
from tests.verification.factories import in_verification

# Routes meant for everyone: the login page, the language switch, the API description.
PUBLIC = {
    "login/",
    "admin/login/",
    "i18n/setlang/",
    "api/schema/",
    "api/docs/",
    "api/redoc/",
    "logout/",
    "lacak/",
    "warga/cek/",
    "warga/sanggah/",
    "kartu/kunci.json",
    "kartu/x/",
    "K/x",
}
# Routes open to any signed-in portal user, whatever their role.
ANY_SIGNED_IN = {"password/", "password/done/"}
REFUSALS = {301, 302, 401, 403, 404, 405}


def _routes(patterns=None, prefix: str = "") -> Iterator[str]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(route: str) -> str | None:
    """A request path for a route: converters get a sample value; regex routes are skipped."""
    if route.startswith("^") or "(?P" in route:
        return None
    path = re.sub(r"<int:[^>]+>", "1", route)
    path = re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000001", path)
    path = re.sub(r"<(?:str|slug|path:)?[^>]*>", "x", path)
    return "/" + path


ROUTES = sorted({p for r in _routes() if (p := _concrete(r))})


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "login" in response.get("Location", "")


def _check(response, path: str) -> None:
    assert response.status_code in REFUSALS, f"{path} answered {response.status_code}"
    if response.status_code in (301, 302):
        assert _is_login_redirect(response) or response["Location"].startswith("/"), path
    body = response.content.decode(errors="replace")
    assert not re.search(r"\b3\d{15}\b", body), f"{path} revealed a NIK-like number"


def _protected(path: str) -> bool:
    route = path.lstrip("/")
    return route not in PUBLIC and route not in ANY_SIGNED_IN and not route.startswith("static/")


@pytest.mark.parametrize("path", [p for p in ROUTES if _protected(p)])
def test_anonymous_visitor_is_refused(db, path):
    client = Client()
    for method in ("get", "post"):
        _check(getattr(client, method)(path), path)


@pytest.mark.parametrize("path", [p for p in ROUTES if _protected(p)])
def test_user_without_a_role_is_refused(db, path):
    client = Client()
    client.force_login(User.objects.create_user("tanpa.peran", password="x-pass-2026"))
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        if path.startswith("/api/v1/") and response.status_code == 200:
            pytest.fail(f"{path} served a user with no role")
        _check(response, path)


@pytest.mark.parametrize("path", [p for p in ROUTES if _protected(p) and not p.startswith("/api/")])
def test_leadership_is_refused_person_level_pages(db, leader, path):
    if path in ALLOWED_FOR_LEADERSHIP:
        pytest.skip("an aggregate page")
    client = Client()
    client.force_login(leader)
    _check(client.post(path), path)


# Pages leadership may open: they show aggregates only.
ALLOWED_FOR_LEADERSHIP = {"/", "/jobs/", "/jobs/1/"}


@pytest.mark.parametrize("path", [p for p in ROUTES if p.startswith("/api/v1/")])
def test_api_client_without_scopes_is_refused(db, api_client_factory, path):
    _, key = api_client_factory([])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    for method in ("get", "post"):
        _check(getattr(client, method)(path), path)


@pytest.mark.parametrize("path", [p for p in ROUTES if _protected(p) and not p.startswith("/api/")])
def test_api_keys_do_not_open_portal_pages(db, api_client_factory, path):
    _, key = api_client_factory(["registry:read", "pii:read", "jobs:read"])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    _check(client.get(path), path)


def test_the_walk_covers_the_known_routes():
    assert {"/", "/jobs/1/", "/audit/", "/api/v1/jobs/1/"} <= set(ROUTES)


# --- Routes with ids, tried with ids that exist -----------------------------------------------
#
# Every route with an id is requested with the id of a row that exists, one inside and one
# outside the persona's scope. The model behind an id is read from the admin's own URL
# (`admin/<app>/<model>/<object_id>/`) or, for the portal and the API, from the longest
# known prefix below; a new route under an unknown prefix fails
# `test_every_route_with_an_id_names_its_model`, so none is walked with a made-up id.

MODEL_OF_PREFIX = {
    "registry/households/": "registry.Household",
    "registry/exports/": "depok_kds.Job",
    "registry/imports/jobs/": "depok_kds.Job",
    "registry/rulesets/": "registry.Ruleset",
    "jobs/": "depok_kds.Job",
    "dukcapil/extracts/": "dukcapil.DkbExtract",
    "dukcapil/outcomes/": "dukcapil.MatchOutcome",
    "dukcapil/runs/": "dukcapil.MatchRun",
    "overlap/": "overlap.Finding",
    "overlap/configuration/pairs/": "overlap.ExclusivePair",
    "programs/": "programs.Programme",
    "programs/applications/": "programs.Application",
    "programs/training/applications/": "programs.Application",
    "programs/cycles/": "programs.Cycle",
    "programs/decrees/": "programs.Decree",
    "programs/enrolments/": "programs.Enrolment",
    "verification/applications/": "programs.Application",
    "verification/checks/": "verification.Check",
    "verification/complaints/": "verification.Complaint",
    "verification/evidence/": "verification.Evidence",
    "verification/resolutions/": "programs.Application",
    "verification/visits/": "verification.FieldVisit",
    "api/v1/dukcapil/outcomes/": "dukcapil.MatchOutcome",
    "api/v1/dukcapil/runs/": "dukcapil.MatchRun",
    "api/v1/jobs/": "depok_kds.Job",
    "api/v1/overlap/findings/": "overlap.Finding",
    "api/v1/programs/cycles/": "programs.Cycle",
    "api/v1/registry/households/": "registry.Household",
    "api/v1/verification/applications/": "programs.Application",
    "api/v1/verification/checks/": "verification.Check",
    "api/v1/verification/complaints/": "verification.Complaint",
    "api/v1/verification/visits/": "verification.FieldVisit",
    "distribution/": "distribution.Batch",
    "distribution/handovers/": "distribution.Line",
    "distribution/lines/": "distribution.Line",
    "distribution/lpj/": "programs.Enrolment",
    "api/v1/distribution/batches/": "distribution.Batch",
    "cards/": "cards.Card",
    "cards/prints/": "depok_kds.Job",
}
# Values for the other parts of a route: an action the page offers, a file format.
SLUG_VALUES = {"action": "edit", "fmt": "csv", "kind": "households"}
ID_PARAM = re.compile(r"<(?:int|path):(pk|object_id|id|person_id)>")
ADMIN_OBJECT = re.compile(r"^admin/(\w+)/(\w+)/<path:object_id>/")


def _model_of(route: str) -> str | None:
    found = ADMIN_OBJECT.match(route)
    if found:
        return f"{found[1]}.{found[2]}"
    prefixes = [p for p in MODEL_OF_PREFIX if route.startswith(p)]
    return MODEL_OF_PREFIX[max(prefixes, key=len)] if prefixes else None


ID_ROUTES = sorted(
    r for r in set(_routes()) if ID_PARAM.search(r) and not r.startswith("^") and "(?P" not in r
)


def test_every_route_with_an_id_names_its_model():
    unknown = [r for r in ID_ROUTES if r != "admin/r/<path:content_type_id>/<path:object_id>/"
               and _model_of(r) is None]  # fmt: skip
    assert unknown == [], f"add these routes' models to MODEL_OF_PREFIX: {unknown}"
    assert len(ID_ROUTES) > 100  # the admin's and the portal's routes are all found


def _kelurahan_of(obj, depth: int = 0) -> str | None:
    """The kelurahan an object belongs to, following its links to a household or person."""
    for name in ("kelurahan_code", "kelurahan"):
        field = next((f for f in obj._meta.concrete_fields if f.name == name), None)
        if field is not None and getattr(obj, field.attname):
            return str(getattr(obj, field.attname))
    if depth > 2:
        return None
    for name in ("household", "person", "application", "check_row", "visit", "complaint",
                 "finding", "run", "decree"):  # fmt: skip
        linked = getattr(obj, name, None) if hasattr(obj, f"{name}_id") else None
        if linked is not None and (found := _kelurahan_of(linked, depth + 1)):
            return found
    return None


def _agency_of(obj, depth: int = 0) -> str | None:
    """The agency owning an object, following its links to a programme."""
    if obj._meta.label == "programs.Agency":
        return str(obj.code)
    if obj._meta.label == "programs.Programme":
        return str(obj.agency.code)
    # The programme's agency first: the agency owning a programme sees its applications'
    # checks, whichever agency does them.
    for name in ("programme", "cycle", "application", "check_row", "decree", "enrolment"):
        linked = getattr(obj, name, None) if hasattr(obj, f"{name}_id") else None
        if linked is not None and depth <= 2 and (found := _agency_of(linked, depth + 1)):
            return found
    value = getattr(obj, "agency_code", None)
    return str(getattr(value, "code", value)) if value else None


@pytest.fixture
def world(db, dinsos_admin):
    """Rows behind the routes, in two kelurahan and under two agencies."""

    for kelurahan in (KELURAHAN_DEPOK, KELURAHAN_TUGU):
        for code in ("kis-pbi-apbd", "rtlh"):
            application = in_verification(code, kelurahan=kelurahan)
        enrol(application.person, "kis-pbi-apbd")
    Job.objects.create(kind="registry.export", requested_by=dinsos_admin, params={})


def _ids(model_label: str, *, inside) -> tuple[list[int], list[int]]:
    """Ids of existing rows of a model: (inside the scope, outside it); `inside` tells."""
    model = apps.get_model(model_label)
    ins: list[int] = []
    outs: list[int] = []
    for obj in model.objects.order_by("pk")[:200]:
        verdict = inside(obj)
        if verdict is True and not ins:
            ins.append(obj.pk)
        elif verdict is False and not outs:
            outs.append(obj.pk)
        if ins and outs:
            break
    return ins, outs


def _path(route: str, pk: int) -> str:
    """A request path for `route` with the id `pk` (a member id: one of that household's)."""
    path = re.sub(r"<(?:int|path):(?:pk|object_id|id)>", str(pk), route)
    if "<int:person_id>" in path:
        member = Person.objects.filter(household_id=pk).values_list("pk", flat=True).first()
        path = path.replace("<int:person_id>", str(member or 0))
    path = re.sub(r"<slug:(\w+)>", lambda m: SLUG_VALUES.get(m[1], "x"), path)
    return "/" + path


def _existing_paths(inside, *, admin: bool = True) -> list[tuple[str, str]]:
    """(path, "in" or "out") for every route with an id, with rows that exist."""
    paths = []
    found: dict[str, tuple[list[int], list[int]]] = {}
    for route in ID_ROUTES:
        label = _model_of(route)
        if label is None or (not admin and route.startswith("admin/")):
            continue
        if label not in found:
            found[label] = _ids(label, inside=inside)
        ins, outs = found[label]
        paths += [(_path(route, pk), "in") for pk in ins]
        paths += [(_path(route, pk), "out") for pk in outs]
    return paths


def _anything(_obj) -> bool:
    return True


@pytest.mark.parametrize("persona", ["anonymous", "no_role", "leader", "api_no_scope"])
def test_outsiders_are_refused_on_ids_that_exist(world, persona, leader, api_client_factory):
    client = Client()
    if persona == "no_role":
        client.force_login(User.objects.create_user("tanpa.peran", password="x-pass-2026"))
    elif persona == "leader":
        client.force_login(leader)
    elif persona == "api_no_scope":
        _, key = api_client_factory([])
        client = Client(headers={"Authorization": f"Bearer {key}"})
    paths = [p for p, _side in _existing_paths(_anything)]
    assert len(paths) > 60  # the walk requests real rows, not id 1 of an empty table
    for path in paths:
        if persona == "leader" and (path.startswith("/api/") or path in ALLOWED_FOR_LEADERSHIP):
            continue
        if persona == "leader" and path.startswith("/jobs/"):
            continue  # the job page shows its progress to whoever may see the job
        for method in ("get", "post"):
            _check(getattr(client, method)(path), path)


SCOPED = {
    # persona: (what tells an object inside the scope, a page it must be able to open)
    "puskesos_a": "kelurahan",
    "puskesos_b": "kelurahan",
    "dinkes_officer": "agency",
    "disrumkim_officer": "agency",
}


@pytest.mark.parametrize("persona", sorted(SCOPED))
def test_scoped_personas_are_refused_outside_their_scope(world, persona, request):
    user = request.getfixturevalue(persona)
    if SCOPED[persona] == "kelurahan":
        codes = set(user.kelurahan_codes)

        def inside(obj):
            found = _kelurahan_of(obj)
            return None if found is None else found in codes
    else:
        agency = user.agency_code

        def inside(obj):
            found = _agency_of(obj)
            return None if found is None else found == agency

    client = Client()
    client.force_login(user)
    paths = _existing_paths(inside, admin=False)  # the back-office refuses them all (above)
    outside = [p for p, side in paths if side == "out"]
    assert len(outside) > 10
    answered = []
    for path in outside:
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            if response.status_code not in REFUSALS or re.search(
                r"\b3\d{15}\b", response.content.decode(errors="replace")
            ):
                answered.append(f"{method.upper()} {path} {response.status_code}")
    assert answered == [], "rows outside the scope answered:\n" + "\n".join(answered)
    # And the walk can tell: the persona's own rows open.
    opened = [p for p, side in paths if side == "in" and client.get(p).status_code == 200]
    assert opened, f"{persona} opened none of its own rows"
