"""Incidents in the agency's workspace: the list (open first), each incident's page with its timeline and documents,
and the one thing the agency does on it: propose a suspension of the service's certificate.

The incident is the provider's to write: the workspace reads it. Incident's model permissions were never granted to
the agency's groups (registry/migrations/0002_agency_groups.py predates the model, and no migration is added for it),
so reading is decided by group membership, as for the audit log."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from registry.agency.times import zoned
from registry.agency.viewonly import AgencyReadOnly
from registry.certificates.choices import CertificateStatus, IncidentStage
from registry.certificates.models import Incident
from registry.certificates.services import certificate_propose_suspension
from registry.qualification.workflow import Refused

CLOSED_LAST = Case(When(stage=IncidentStage.FINAL, then=Value(1)), default=Value(0), output_field=IntegerField()).asc()


class OpenFilter(admin.SimpleListFilter):
    """Open (initial report or updates) or closed (final report filed): what the agency sorts incidents by first."""

    title = gettext_lazy("open or closed")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", pgettext_lazy("incident", "Open")), ("no", pgettext_lazy("incident", "Closed"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(stage=IncidentStage.FINAL)
        if self.value() == "no":
            return queryset.filter(stage=IncidentStage.FINAL)
        return queryset


class ProposalForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why a suspension is proposed"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "For the committee and the administrators, who suspend the certificate or dismiss the proposal. Internal: "
            "the provider is not told. The incident's reference is added to it."
        ),
    )


def proposal_reason(incident, reason: str) -> str:
    """The proposal's reason with the incident it comes from, so the certificate's page names it."""
    return f"{incident.reference}: {reason.strip()}"


@admin.register(Incident)
class IncidentAdmin(AgencyReadOnly, admin.ModelAdmin):
    change_form_template = "admin/registry/incident/change_form.html"
    list_display = [
        "reference", "title", "provider", "service", "stage_badge", "customer_data_affected",
        "sovereignty_affected", "detected_at_zoned", "updated_at_zoned",
    ]  # fmt: skip
    list_select_related = ["provider", "service"]
    list_filter = [OpenFilter, "stage", "customer_data_affected", "sovereignty_affected"]
    search_fields = ["reference", "title", "service__name", "provider__legal_name"]
    # Open ones first, the latest report first within each.
    ordering = [CLOSED_LAST, "-updated_at"]
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = None
    fields = [
        "reference", "stage", "provider", "service", "certificate_link", "title", "detected_at_zoned",
        "started_at_zoned", "ended_at_zoned", "impact", "customer_data_affected", "sovereignty_affected",
        "created_by", "created_at_zoned", "updated_at_zoned",
    ]  # fmt: skip
    readonly_fields = fields
    detected_at_zoned = zoned(Incident, "detected_at")
    started_at_zoned = zoned(Incident, "started_at")
    ended_at_zoned = zoned(Incident, "ended_at")
    created_at_zoned = zoned(Incident, "created_at")
    updated_at_zoned = zoned(Incident, "updated_at")

    class Media:
        css = {"all": ["css/status.css"]}

    @admin.display(description=gettext_lazy("stage"), ordering="stage")
    def stage_badge(self, obj):
        closed = obj.stage == IncidentStage.FINAL
        return format_html(
            '<span class="tcr-status tcr-status-{}">{}</span> {}',
            "neutral" if closed else "warning",
            pgettext("incident", "Closed") if closed else pgettext("incident", "Open"),
            obj.get_stage_display(),
        )

    @admin.display(description=gettext_lazy("certificate"))
    def certificate_link(self, obj):
        if obj.certificate_id is None:
            return "—"
        url = reverse("admin:registry_certificate_change", args=[obj.certificate_id])
        return format_html('<a href="{}">{}</a>', url, obj.certificate.number)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/propose-suspension/",
                wrap(self.propose_view),
                name="registry_incident_propose_suspension",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        incident = get_object_or_404(Incident.objects.select_related("certificate"), pk=object_id)
        extra = {
            "timeline": incident.updates.select_related("author"),
            "documents": incident.documents.select_related("uploaded_by").order_by("title", "-version"),
            "may_propose": proposal_refusal(incident) == "",
            "proposal_refusal": proposal_refusal(incident),
        }
        return super().change_view(request, object_id, form_url, extra_context={**(extra_context or {}), **extra})

    def propose_view(self, request, pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        incident = get_object_or_404(Incident.objects.select_related("certificate", "service", "provider"), pk=pk)
        refusal = proposal_refusal(incident)
        if refusal:
            if request.method == "POST":
                raise PermissionDenied(refusal)
            messages.error(request, refusal)
            return redirect("admin:registry_incident_change", incident.pk)
        form = ProposalForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                certificate_propose_suspension(
                    certificate=incident.certificate,
                    by=request.user,
                    reason=proposal_reason(incident, form.cleaned_data["reason"]),
                )
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Suspension of certificate %(number)s proposed to the committee.")
                    % {"number": incident.certificate.number},
                )
                return redirect("admin:registry_incident_change", incident.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "incident": incident,
            "form": form,
            "move": {"label": _("Propose a suspension"), "style": "danger"},
            "title": _("Propose a suspension – %(reference)s") % {"reference": incident.reference},
        }
        return TemplateResponse(request, "admin/registry/incident/propose.html", context)


def proposal_refusal(incident) -> str:
    """Why no suspension can be proposed from this incident now; "" when it can (the service then checks who asks)."""
    certificate = incident.certificate
    if certificate is None or certificate.status != CertificateStatus.ACTIVE:
        return _("Only an active certificate can be proposed for suspension.")
    if certificate.suspension_proposed_at is not None and incident.reference in certificate.suspension_proposal:
        return _("A suspension is already proposed from this incident.")
    return ""
