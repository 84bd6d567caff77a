"""A certificate's page in the portal: its surveillance plan (due dates; the centre's audit plan and, once submitted,
its report's conclusion and verdicts; for audits done, the date, the outcome and the findings) and its conditions, which the organisation's owners and editors answer with evidence. Viewers read; anyone
who is not a member gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from registry.accounts.permissions import actor_for, provider_for
from registry.certificates import rules
from registry.certificates.models import Certificate, Condition
from registry.certificates.surveillance import condition_answer
from registry.portal import audit_context
from registry.portal.forms.conditions import ConditionAnswerForm
from registry.qualification.choices import DocumentKind
from registry.qualification.models import Document
from registry.qualification.workflow import Refused


def _certificate(user, slug, number):
    provider = provider_for(user, slug)  # 404 to anyone who is not a member
    certificate = (
        Certificate.objects.select_related("service", "scheme")
        .filter(number=number, service__provider=provider)
        .first()
    )
    if certificate is None:
        raise Http404(_("No certificate has this number."))
    certificate.service.provider = provider
    return provider, certificate


def _page(request, provider, certificate, *, answering=None, form=None):
    today = timezone.localdate()
    actor = actor_for(request.user)
    audits = list(certificate.surveillance_audits.order_by("sequence"))
    conditions = list(certificate.condition_items.order_by("due_on", "pk"))
    evidence = Document.objects.filter(condition__in=conditions, kind=DocumentKind.CONDITION_EVIDENCE).order_by("pk")
    by_condition = {}
    for document in evidence:
        by_condition.setdefault(document.condition_id, []).append(document)
    for condition in conditions:
        condition.certificate = certificate
        condition.overdue = rules.condition_overdue(condition, today)
        condition.evidence = by_condition.get(condition.pk, [])
        condition.may_answer = not rules.condition_answer_refusal(actor, condition)
        condition.form = form if condition.pk == answering else ConditionAnswerForm(prefix=f"condition-{condition.pk}")
    for audit_obj in audits:
        audit_obj.certificate = certificate
        audit_obj.overdue = rules.audit_overdue(audit_obj, today)
    audit_context.attach(audits)
    context = {"provider": provider, "certificate": certificate, "audits": audits, "conditions": conditions}
    return render(request, "portal/certificate_detail.html", context, status=400 if form is not None else 200)


@login_required
@require_safe
def certificate_detail(request, slug, number):
    provider, certificate = _certificate(request.user, slug, number)
    return _page(request, provider, certificate)


@login_required
@require_POST
def condition_answer_view(request, slug, number, pk):
    provider, certificate = _certificate(request.user, slug, number)
    condition = Condition.objects.filter(pk=pk, certificate=certificate).first()
    if condition is None:
        raise Http404(_("No such condition."))
    condition.certificate = certificate
    if not provider.may_write:
        raise PermissionDenied(_("Only the organisation's owners and editors can answer a condition."))
    form = ConditionAnswerForm(request.POST, request.FILES, prefix=f"condition-{condition.pk}")
    if form.is_valid():
        try:
            condition_answer(
                condition=condition,
                by=request.user,
                response=form.cleaned_data["response"],
                evidence=form.cleaned_data["evidence"],
            )
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your answer is sent to the agency."))
            return redirect("portal:certificate", provider.slug, certificate.number)
    return _page(request, provider, certificate, answering=condition.pk, form=form)
