"""The dossier's "Evaluation" page in the portal: the provider files its evaluation contract with the approved centre
it chose, and follows the centre's plan and, once submitted, its report. Members read; owners and editors file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for
from registry.evaluation import contracts
from registry.portal import evaluation_context
from registry.portal.dossier_context import finish, frame, member_dossier
from registry.portal.forms.evaluation import ContractForm
from registry.qualification.workflow import Refused


@login_required
def dossier_evaluation(request, reference):
    dossier = member_dossier(request.user, reference)
    actor = actor_for(request.user)
    context = frame(request, dossier, active="evaluation")
    context.update(evaluation_context.context(dossier, actor))
    form = ContractForm(request.POST or None, request.FILES or None) if context["contract_may_file"] else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(context["contract_file_refusal"])
        if form.is_valid():
            data = form.cleaned_data
            try:
                contracts.contract_file(
                    dossier=dossier, by=request.user, centre=data["centre"], uploaded=data["file"], title=data["title"]
                )
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Contract filed: %(centre)s confirms it, then the agency validates it.")
                    % {"centre": data["centre"].name},
                )
                return finish(request, reverse("portal:dossier-evaluation", args=[dossier.reference]) + "#contract")
    context["contract_form"] = form
    return render(request, "portal/dossier_evaluation.html", context)
