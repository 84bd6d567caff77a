"""The centre's pages. Who may: an evaluator of the centre (active or not: a lapsed one still reads what the centre
holds, read-only). Anyone else signed in gets 403 on the space; another centre's dossier or document answers 404.
The second factor is checked before any of these (registry.accounts.middleware.MFARequiredMiddleware)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from registry.accounts.auth import EVALUATES
from registry.centre import audit_part, contract_part, grid_part, plan_part
from registry.centre.access import evaluator_or_403
from registry.evaluation import rules, selectors
from registry.evaluation import services as evaluation
from registry.evaluation.models import EvaluatorInvitation
from registry.qualification.files import audited_document_response
from registry.qualification.workflow import Refused

PAGE_SIZE = 25


def _context(evaluator, **values) -> dict:
    return {"evaluator": evaluator, "centre": evaluator.centre, "lapsed": rules.approval_lapsed(evaluator), **values}


def _page(request, items, param):
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get(param))
    query = request.GET.copy()
    query.pop(param, None)
    page.param, page.query = param, query.urlencode()
    return page


@login_required
def home(request):
    evaluator = evaluator_or_403(request)
    dossiers = _page(request, selectors.with_evaluation_state(selectors.centre_dossiers(evaluator.centre)), "page")
    for dossier in dossiers:
        dossier.next_step, dossier.waits_on_centre = rules.centre_next_step(
            status=dossier.status,
            contract_state=dossier.contract_state,
            plan_state=dossier.plan_state,
            reported=dossier.reported,
        )
    certificates = _page(request, selectors.centre_certificates(evaluator.centre), "certificates")
    audits = _page(request, selectors.centre_audits(evaluator.centre), "audits")
    audits.object_list = audit_part.label(audits.object_list)
    context = _context(evaluator, dossiers=dossiers, certificates=certificates, audits=audits)
    return render(request, "centre/home.html", context)


@login_required
def dossier_detail(request, reference):
    evaluator = evaluator_or_403(request)
    dossier = selectors.centre_dossier(evaluator.centre, reference)
    service = dossier.service
    answers = (
        dossier.answers.select_related("requirement").prefetch_related("evidence").order_by("requirement__position")
    )
    context = _context(
        evaluator,
        dossier=dossier,
        service=service,
        sites=service.sites.all(),
        third_parties=service.third_parties.all(),
        answers=answers,
        documents=selectors.centre_documents(dossier),
        thread=selectors.centre_messages(dossier),
        **contract_part.context(dossier, evaluator),
        **plan_part.context(dossier, evaluator),
        **grid_part.context(dossier, evaluator),
    )
    return render(request, "centre/dossier.html", context)


@login_required
def document_download(request, pk):
    evaluator = evaluator_or_403(request)
    document = selectors.centre_document(evaluator.centre, pk)
    # An evaluator reading a provider's evidence is audited, as the agency's reading is.
    return audited_document_response(request, document)


@login_required
def invitation_accept(request, token):
    invitation = get_object_or_404(EvaluatorInvitation.objects.select_related("centre", "invited_by"), token=token)
    if request.method == "POST":
        try:
            evaluation.evaluator_invitation_accept(invitation=invitation, by=request.user)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            request.session[EVALUATES] = True  # the navigation leads to the centre's space from now on
            messages.success(
                request,
                _("You now evaluate for %(centre)s. A second factor protects the centre's space.")
                % {"centre": invitation.centre.name},
            )
            return redirect("centre:home")
    return render(request, "centre/invitation.html", {"invitation": invitation})
