"""Portal pages of KDS cards, and the public page a card's QR code opens (/kartu/<token>/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from depok_kds.errors import DomainError
from depok_kds.forms import refusals_on
from depok_kds.models import Job
from depok_kds.portal import PortalRequest, portal_view
from depok_kds.rate_limit import rate_limited
from distribution.cards.forms import (
    CardFilterForm,
    HandOverForm,
    KelurahanForm,
    ReplaceForm,
    RequestForm,
    RevokeForm,
)
from distribution.cards.models import Card
from distribution.cards.numbers import card_number_display
from distribution.cards.printing import card_pdf, print_run_file, print_run_start
from distribution.cards.selectors import (
    card_get,
    card_get_by_number,
    card_list,
    card_status_by_token,
    holder_name,
)
from distribution.cards.services import (
    ACTIVATE_FROM,
    HANDOVER_FROM,
    REPLACE_FROM,
    card_activate,
    card_hand_over,
    card_replace,
    card_request,
    card_revoke,
    cards_request_kelurahan,
)
from distribution.cards.signing import public_keys_jwk
from registry.selectors import household_get, kelurahan_list, person_in_scope
from registry.views import household_page

PAGE_SIZE = 50
PDF = "application/pdf"
VIEW, ADD, HAND_OVER = "cards.view_card", "cards.add_card", "cards.hand_over_card"


def _kelurahan_choices(request: PortalRequest) -> list[tuple[str, str]]:
    return [(k.code, f"{k.name} ({k.kecamatan.name})") for k in kelurahan_list(user=request.user)]


@portal_view(perm=VIEW)
def card_list_page(request: PortalRequest) -> HttpResponse:
    return _card_list(request)


def _card_list(request: PortalRequest, **bound: KelurahanForm) -> HttpResponse:
    """Cards by kelurahan and state; a typed number opens its card (or is refused at once).
    A refused issue or print run (`bound`, by its context name) shows its form again."""
    choices = _kelurahan_choices(request)
    form = CardFilterForm(request.GET or None, kelurahan=choices)
    cards = card_list(user=request.user)
    if form.is_bound and form.is_valid():
        number = form.cleaned_data["number"]
        if number:
            try:
                found = card_get_by_number(user=request.user, number=number)
            except Http404:
                form.add_error("number", _("No card with this number that you may see."))
            else:
                return redirect("cards:detail", pk=found.pk)
        cards = card_list(
            user=request.user,
            kelurahan=form.cleaned_data["kelurahan"],
            state=form.cleaned_data["state"],
            kind=form.cleaned_data["kind"],
        )
    page = Paginator(cards, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [(card, card_number_display(card.number), holder_name(card)) for card in page],
        "issue_form": KelurahanForm(kelurahan=choices, prefix="issue"),
        "print_form": KelurahanForm(kelurahan=choices, prefix="print"),
        **bound,
        "can_add": request.user.has_perm(ADD),
        "query": request.GET.urlencode(),
    }
    return render(request, "cards/list.html", context)


@require_POST
@portal_view(perm=ADD)
def cards_issue(request: PortalRequest) -> HttpResponse:
    """Request a card for every entitled household and student of a kelurahan."""
    form = KelurahanForm(request.POST, kelurahan=_kelurahan_choices(request), prefix="issue")
    if form.is_valid():
        code = form.cleaned_data["kelurahan"]
        with refusals_on(form, "kelurahan"):
            created = cards_request_kelurahan(actor=request.user, kelurahan_code=code)
            messages.success(request, _("%(count)s cards requested.") % {"count": len(created)})
            return redirect(f"{reverse('cards:list')}?kelurahan={code}&state=requested")
    return _card_list(request, issue_form=form)


@require_POST
@portal_view(perm=ADD)
def cards_print(request: PortalRequest) -> HttpResponse:
    """Start printing a kelurahan's requested cards; its page shows the progress."""
    form = KelurahanForm(request.POST, kelurahan=_kelurahan_choices(request), prefix="print")
    if form.is_valid():
        with refusals_on(form, "kelurahan"):
            job = print_run_start(actor=request.user, kelurahan_code=form.cleaned_data["kelurahan"])
            return redirect("cards:print-job", pk=job.pk)
    return _card_list(request, print_form=form)


@portal_view(perm=ADD)
def print_job_page(request: PortalRequest, pk: int) -> HttpResponse:
    job, path = print_run_file(user=request.user, job_id=pk)
    ready = job.status == Job.Status.SUCCEEDED and path.exists()
    context = {
        "job": job,
        "ready": ready,
        "deleted": job.status == Job.Status.SUCCEEDED and not ready,
        "keep_hours": settings.KDS_EXPORT_KEEP_HOURS,
    }
    template = "cards/_print_status.html" if request.htmx else "cards/print_job.html"
    return render(request, template, context)


@portal_view(perm=ADD)
def print_job_file(request: PortalRequest, pk: int) -> HttpResponse:
    job, path = print_run_file(user=request.user, job_id=pk)
    if job.status != Job.Status.SUCCEEDED or not path.exists():
        raise Http404
    response = HttpResponse(path.read_bytes(), content_type=PDF)
    stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="kartu-kds-{job.params["kelurahan"]}-{stamp}.pdf"'
    )
    return response


@portal_view(perm=VIEW)
def card_detail(request: PortalRequest, pk: int) -> HttpResponse:
    return _card_page(request, card_get(user=request.user, card_id=pk))


def _card_page(request: PortalRequest, card: Card, **bound: Form) -> HttpResponse:
    """The card's page; a refused transition's form (`bound`, by its context name) shows
    again with what was typed."""
    may_act = request.user.has_perm(HAND_OVER)
    forms: dict[str, Form | None] = {
        "hand_over_form": HandOverForm() if may_act and card.state in HANDOVER_FROM else None,
        "replace_form": ReplaceForm() if may_act and card.state in REPLACE_FROM else None,
        "revoke_form": RevokeForm() if may_act and card.is_live else None,
    }
    forms.update(bound)
    context = {
        "card": card,
        "number": card_number_display(card.number),
        "holder": holder_name(card),
        "events": card.events.select_related("actor"),
        "successor": getattr(card, "replaced_by", None),
        "can_print": request.user.has_perm(ADD) and card.state in ("requested", "printed"),
        "can_activate": may_act and card.state in ACTIVATE_FROM,
        **forms,
    }
    return render(request, "cards/detail.html", context)


FORMS_OF_ACTIONS: dict[str, tuple[str, type[Form]]] = {
    "hand-over": ("hand_over_form", HandOverForm),
    "replace": ("replace_form", ReplaceForm),
    "revoke": ("revoke_form", RevokeForm),
}


@require_POST
@portal_view(perm=HAND_OVER)
def card_action(request: PortalRequest, pk: int, action: str) -> HttpResponse:
    """One transition of a card: hand-over, activation, replacement or revocation."""
    if action == "activate":
        card_activate(actor=request.user, card_id=pk)
        messages.success(request, _("The card is active."))
        return redirect("cards:detail", pk=pk)
    if action not in FORMS_OF_ACTIONS:
        raise Http404
    card = card_get(user=request.user, card_id=pk)
    name, form_class = FORMS_OF_ACTIONS[action]
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with refusals_on(form):
            if action == "hand-over":
                card_hand_over(
                    actor=request.user, card_id=pk, received_by=data["received_by"], on=data["on"]
                )
                messages.success(request, _("The hand-over is recorded."))
            elif action == "replace":
                successor = card_replace(actor=request.user, card_id=pk, reason=data["reason"])
                messages.success(
                    request,
                    _("The card is replaced; the new card %(number)s is requested. Print it now.")
                    % {"number": card_number_display(successor.number)},
                )
                return redirect("cards:detail", pk=successor.pk)
            else:
                card_revoke(actor=request.user, card_id=pk, reason=data["reason"])
                messages.success(request, _("The card is revoked."))
            return redirect("cards:detail", pk=pk)
    return _card_page(request, card, **{name: form})


@require_POST
@portal_view(perm=ADD)
def card_print_single(request: PortalRequest, pk: int) -> HttpResponse:
    """One card alone as PDF (a replacement); a requested card becomes printed."""
    card, pdf = card_pdf(actor=request.user, card_id=pk)
    response = HttpResponse(pdf, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="kartu-kds-{card.number}.pdf"'
    return response


@require_POST
@portal_view(perm=ADD)
def card_request_page(request: PortalRequest) -> HttpResponse:
    """Request one card from a household's page: its family card or a student's card. A
    refusal shows the household's page again with the reason in its card section."""
    form = RequestForm(request.POST)
    if form.is_valid():
        with refusals_on(form):
            card = card_request(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                household_id=form.cleaned_data["household"],
                student_id=form.cleaned_data["student"],
            )
            messages.success(request, _("The card is requested."))
            return redirect("cards:detail", pk=card.pk)
    household_id = form.cleaned_data.get("household")
    if student_id := form.cleaned_data.get("student"):
        student = person_in_scope(user=request.user, person_id=student_id)
        household_id = student.household_id if student else None
    if household_id is None:
        # A tampered form names no household: there is no page to show it on.
        raise DomainError(_("Choose the card type and its holder."))
    household = household_get(user=request.user, household_id=household_id)
    return household_page(request, household, refused=form)


# --- public -------------------------------------------------------------------------------


@never_cache
@require_GET
def card_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: whether a card is valid or replaced, with the holder's masked name and
    kelurahan; a revoked, unknown or forged card gets one neutral answer. Rate-limited."""
    limit = int(settings.KDS_CARD_LOOKUPS)
    if rate_limited(request, bucket="kartu", limit=limit):
        return render(request, "cards/verify.html", {"limited": True}, status=429)
    status = card_status_by_token(token)
    return render(request, "cards/verify.html", {"status": status})


@require_GET
def card_public_keys(request: HttpRequest) -> JsonResponse:
    """The public keys a card's signature can be checked with, offline (JWK set)."""
    response = JsonResponse(public_keys_jwk())
    response["Cache-Control"] = "public, max-age=3600"
    return response
