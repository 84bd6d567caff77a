"""A suspension proposed on a certificate, in the workspace's certificate page: who proposed it, when and why, and the
committee's or an administrator's answer: suspend (the certificate's own move, which clears the proposal) or dismiss
it with a reason. Anyone at the agency may propose (from an incident); only they may dismiss.

Internal to the agency: the provider is told neither of the proposal nor of its dismissal."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.accounts.permissions import actor_for
from registry.certificates.models import Certificate
from registry.certificates.services import certificate_dismiss_suspension_proposal
from registry.qualification.workflow import CERTIFICATE_GROUPS, Refused


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the certificate is not suspended"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Kept in the audit log with the proposal. Internal: the provider is not told."),
    )


def dismiss_refusal(actor, certificate) -> str:
    """Why this person may not dismiss the certificate's proposal now; "" when they may."""
    if not any(actor.in_group(group) for group in CERTIFICATE_GROUPS):
        return _("Only the qualification committee or a registry administrator can change a certificate.")
    if certificate.suspension_proposed_at is None:
        return _("No suspension is proposed for this certificate.")
    return ""


def page_context(actor, certificate) -> dict:
    """What the certificate's page shows of a proposal and of the incidents declared on it (one query)."""
    return {
        "proposal_may_dismiss": not dismiss_refusal(actor, certificate),
        "certificate_incidents": certificate.incidents.order_by("-created_at", "-pk"),
    }


def dismiss_view(model_admin, request, pk):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    certificate = get_object_or_404(
        Certificate.objects.select_related("service__provider", "suspension_proposed_by"), pk=pk
    )
    refusal = dismiss_refusal(actor_for(request.user), certificate)
    if refusal:
        if request.method == "POST":
            raise PermissionDenied(refusal)
        messages.error(request, refusal)
        return redirect("admin:registry_certificate_change", certificate.pk)
    form = DismissForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            certificate_dismiss_suspension_proposal(
                certificate=certificate, by=request.user, reason=form.cleaned_data["reason"]
            )
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Certificate %(number)s: the proposed suspension is dismissed.") % {"number": certificate.number},
            )
            return redirect("admin:registry_certificate_change", certificate.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "certificate": certificate,
        "form": form,
        "move": {"label": _("Dismiss the proposal"), "style": ""},
        "title": _("Dismiss the proposed suspension – %(number)s") % {"number": certificate.number},
    }
    return TemplateResponse(request, "admin/registry/certificate/dismiss_proposal.html", context)
