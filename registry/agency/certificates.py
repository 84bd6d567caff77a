"""Certificates in the agency's workspace: list, page with the public history, suspend / reinstate / withdraw."""

import functools

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.accounts.auth import require_recent_authentication
from registry.accounts.permissions import actor_for
from registry.agency import surveillance_page, suspension_proposals
from registry.agency.forms import CertificateReasonForm, SuspensionForm
from registry.agency.times import zoned
from registry.agency.viewonly import ViewOnlyGuard
from registry.certificates import rules, services
from registry.certificates.models import Certificate, CertificateEvent
from registry.certificates.selectors import needing_action_filter
from registry.certificates.statuses import certificate_badge
from registry.qualification import workflow
from registry.qualification.workflow import Refused

SERVICES = {
    "suspend": services.certificate_suspend,
    "reinstate": services.certificate_reinstate,
    "withdraw": services.certificate_withdraw,
}
# Moves that take a certificate out of force: asked only of someone who signed in or re-authenticated recently (15 minutes).
TAKING_OFF_THE_REGISTRY = {"suspend", "withdraw"}


class NeedsActionFilter(admin.SimpleListFilter):
    title = gettext_lazy("needs action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return [
            ("review", _("Suspension review due")),
            ("expiring", _("Expiring within 90 days")),
            ("proposed", _("Suspension proposed")),
            ("surveillance", _("Surveillance overdue past grace")),
            ("conditions", _("Conditions overdue")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "review":
            return queryset.filter(rules.review_due_on(today))
        if self.value() == "expiring":
            return queryset.filter(rules.expiring_by(today))
        if self.value() == "proposed":
            return queryset.filter(suspension_proposed_at__isnull=False)
        if self.value() in ("surveillance", "conditions"):
            return queryset.filter(needing_action_filter(self.value(), today))
        return queryset


@admin.register(Certificate)
class CertificateAdmin(ViewOnlyGuard, admin.ModelAdmin):
    change_form_template = "admin/registry/certificate/change_form.html"
    list_display = [
        "number",
        "service",
        "provider",
        "scheme",
        "status_badge",
        "issued_on",
        "expires_on",
        "review_due_on",
    ]
    list_select_related = ["service__provider", "scheme"]
    list_filter = [NeedsActionFilter, "status", "scheme", "issued_on"]
    search_fields = ["number", "service__name", "service__provider__legal_name"]
    date_hierarchy = "issued_on"

    class Media:
        css = {"all": ["css/status.css"]}

    fields = [
        "number", "status", "status_changed_at_zoned", "provider", "service", "scheme", "dossier_link",
        "scope", "scope_fr", "conditions", "conditions_fr", "issued_on", "expires_on",
    ]  # fmt: skip
    readonly_fields = fields
    status_changed_at_zoned = zoned(Certificate, "status_changed_at")

    def has_add_permission(self, request):
        return False  # certificates are issued only by a qualification decision

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("provider"), ordering="service__provider__legal_name")
    def provider(self, obj):
        return obj.service.provider

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, obj):
        return certificate_badge(obj.status)

    @admin.display(description=gettext_lazy("dossier"))
    def dossier_link(self, obj):
        url = reverse("admin:registry_dossier_change", args=[obj.dossier_id])
        return format_html('<a href="{}">{}</a>', url, obj.dossier.reference)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/move/<slug:action>/", wrap(self.move_view), name="registry_certificate_move"),
            path(
                "<int:pk>/dismiss-proposal/",
                wrap(functools.partial(suspension_proposals.dismiss_view, self)),
                name="registry_certificate_dismiss_proposal",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        certificate = get_object_or_404(Certificate.objects.select_related("suspension_proposed_by"), pk=object_id)
        extra = {
            "certificate_actions": workflow.available_certificate_actions(actor_for(request.user), certificate),
            "public_history": CertificateEvent.objects.filter(certificate=certificate).select_related("actor"),
            **suspension_proposals.page_context(actor_for(request.user), certificate),
            **surveillance_page.certificate_context(actor_for(request.user), certificate),
        }
        return super().change_view(request, object_id, form_url, extra_context={**(extra_context or {}), **extra})

    def move_view(self, request, pk, action):
        if not self.has_view_permission(request):
            raise PermissionDenied
        certificate = get_object_or_404(Certificate.objects.select_related("service__provider", "scheme"), pk=pk)
        if action not in SERVICES:
            raise PermissionDenied(_("Unknown action."))
        try:
            workflow.check_certificate(actor_for(request.user), certificate, action, check_reason=False)
        except Refused as exc:
            if request.method == "POST":
                raise PermissionDenied(str(exc)) from exc
            messages.error(request, str(exc))
            return redirect("admin:registry_certificate_change", certificate.pk)
        if action in TAKING_OFF_THE_REGISTRY:
            require_recent_authentication(request)
        if action == "suspend":
            form = SuspensionForm(request.POST or None, initial={"effective_on": timezone.localdate()})
        else:
            form = CertificateReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                SERVICES[action](certificate=certificate, by=request.user, **form.cleaned_data)
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Certificate %(number)s: %(move)s done.") % {
                    "number": certificate.number, "move": workflow.CERTIFICATE_MOVES[action].label
                })  # fmt: skip
                return redirect("admin:registry_certificate_change", certificate.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "certificate": certificate,
            "move": workflow.CERTIFICATE_MOVES[action],
            "form": form,
            "title": f"{workflow.CERTIFICATE_MOVES[action].label} – {certificate.number}",
        }
        return TemplateResponse(request, "admin/registry/certificate/move.html", context)
