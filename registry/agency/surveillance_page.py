"""Surveillance audits and conditions in the agency's workspace: the lists (due, overdue, past grace; conditions by
state and overdue), an audit's page (assign, the centre's plan, verdicts and report from surveillance_work.py, record the outcome), a condition's page (close,
send back, withdraw), the certificate page's plan and conditions with the form that sets a condition. Every write is a
service of registry.certificates.surveillance; the pages ask certificates.rules who may do what."""

import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from registry.accounts.permissions import actor_for
from registry.agency import surveillance_work
from registry.agency.surveillance_forms import (
    AuditAssignForm,
    AuditOutcomeForm,
    ConditionForm,
    ConditionReviewForm,
)
from registry.agency.surveillance_work import SurveillanceWorkMixin
from registry.agency.viewonly import AgencyReadOnly
from registry.certificates import rules
from registry.certificates import surveillance as services
from registry.certificates.choices import ConditionState
from registry.certificates.models import Certificate, Condition, SurveillanceAudit
from registry.certificates.selectors import scheme_graces
from registry.qualification.workflow import Refused

# An audit due within this many days is "due" in the list: the agency plans it with the centre.
DUE_SOON = datetime.timedelta(days=60)


class AuditStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("due", _("Due within 60 days")),
            ("overdue", _("Overdue")),
            ("past_grace", _("Overdue past the grace period")),
            ("done", _("Done")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "due":
            return queryset.filter(
                rules.audits_overdue_on(today + DUE_SOON + datetime.timedelta(days=1)), due_on__gte=today
            )
        if self.value() == "overdue":
            return queryset.filter(rules.audits_overdue_on(today))
        if self.value() == "past_grace":
            return queryset.filter(rules.audits_past_grace_on(today, scheme_graces()))
        if self.value() == "done":
            return queryset.filter(recorded_at__isnull=False)
        return queryset


@admin.register(SurveillanceAudit)
class SurveillanceAuditAdmin(SurveillanceWorkMixin, AgencyReadOnly, admin.ModelAdmin):
    list_display = [
        "certificate_number", "provider", "sequence", "due_on", "state", "evaluation_center", "reviewer_name",
        "performed_on", "outcome",
    ]  # fmt: skip
    list_display_links = ["certificate_number", "sequence"]
    list_select_related = ["certificate__service__provider", "certificate__scheme", "evaluation_center", "reviewer"]
    list_filter = [AuditStateFilter, "outcome", "evaluation_center"]
    search_fields = ["certificate__number", "certificate__service__name", "certificate__service__provider__legal_name"]
    ordering = ["due_on", "certificate__number"]
    date_hierarchy = "due_on"

    @admin.display(description=gettext_lazy("certificate"), ordering="certificate__number")
    def certificate_number(self, obj):
        return obj.certificate.number

    @admin.display(description=gettext_lazy("provider"), ordering="certificate__service__provider__legal_name")
    def provider(self, obj):
        return obj.certificate.service.provider

    @admin.display(description=gettext_lazy("state"))
    def state(self, obj):
        return rules.AUDIT_STATES[rules.audit_state(obj, timezone.localdate())]

    @admin.display(description=gettext_lazy("instructing reviewer"), ordering="reviewer__email")
    def reviewer_name(self, obj):
        return (obj.reviewer.get_full_name() or obj.reviewer.email) if obj.reviewer_id else "—"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/assign/", wrap(self.assign_view), name="registry_surveillanceaudit_assign"),
            path("<int:pk>/outcome/", wrap(self.outcome_view), name="registry_surveillanceaudit_outcome"),
            *self.work_urls(),
            *super().get_urls(),
        ]

    def _audit(self, request, pk) -> SurveillanceAudit:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            SurveillanceAudit.objects.select_related(
                "certificate__service__provider",
                "certificate__scheme",
                "certificate__dossier__evaluation_center",
                "evaluation_center",
                "reviewer",
                "recorded_by",
            ),
            pk=pk,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return self._page(request, self._audit(request, object_id))

    def _page(self, request, audit_obj, *, assign_form=None, outcome_form=None):
        actor = actor_for(request.user)
        may_assign = not rules.audit_assign_refusal(actor, audit_obj)
        instruction_refusal = rules.audit_instruction_refusal(actor, audit_obj)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "audit": audit_obj,
            "certificate": audit_obj.certificate,
            "state": rules.AUDIT_STATES[rules.audit_state(audit_obj, timezone.localdate())],
            "title": _("Surveillance audit no. %(sequence)d – %(number)s")
            % {"sequence": audit_obj.sequence, "number": audit_obj.certificate.number},
            "conditions": audit_obj.conditions.all(),
            "may_assign": may_assign,
            "assign_form": assign_form or _assign_form(audit_obj),
            "may_instruct": not instruction_refusal,
            "instruction_refusal": instruction_refusal if audit_obj.recorded_at is None else "",
            "outcome_form": outcome_form or AuditOutcomeForm(),
            **surveillance_work.context(audit_obj, actor),
        }
        return TemplateResponse(request, "admin/registry/surveillanceaudit/page.html", context)

    def assign_view(self, request, pk):
        return require_POST(self._assign)(request, pk)

    def _assign(self, request, pk):
        audit_obj = self._audit(request, pk)
        refusal = rules.audit_assign_refusal(actor_for(request.user), audit_obj)
        if refusal:
            raise PermissionDenied(refusal)
        form = AuditAssignForm(request.POST, own_centre=_own_centre(audit_obj))
        if form.is_valid():
            try:
                services.audit_assign(audit_obj=audit_obj, by=request.user, **form.cleaned_data)
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Audit assigned."))
                return redirect("admin:registry_surveillanceaudit_change", audit_obj.pk)
        return self._page(request, audit_obj, assign_form=form)

    def outcome_view(self, request, pk):
        return require_POST(self._outcome)(request, pk)

    def _outcome(self, request, pk):
        audit_obj = self._audit(request, pk)
        refusal = rules.audit_instruction_refusal(actor_for(request.user), audit_obj)
        if refusal:
            raise PermissionDenied(refusal)
        form = AuditOutcomeForm(request.POST)
        if form.is_valid():
            try:
                services.audit_record_outcome(
                    audit_obj=audit_obj,
                    by=request.user,
                    performed_on=form.cleaned_data["performed_on"],
                    outcome=form.cleaned_data["outcome"],
                    findings=form.cleaned_data["findings"],
                    conditions=form.conditions(),
                )
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Outcome recorded; the provider is told."))
                return redirect("admin:registry_surveillanceaudit_change", audit_obj.pk)
        return self._page(request, audit_obj, outcome_form=form)


class ConditionStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), *ConditionState.choices]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(rules.conditions_overdue_on(timezone.localdate()))
        if self.value() in ConditionState.values:
            return queryset.filter(state=self.value())
        return queryset


@admin.register(Condition)
class ConditionAdmin(AgencyReadOnly, admin.ModelAdmin):
    list_display = ["short_text", "certificate_number", "provider", "due_on", "state_shown", "answered_at", "audit"]
    list_select_related = ["certificate__service__provider", "surveillance_audit"]
    list_filter = [ConditionStateFilter]
    search_fields = ["text", "certificate__number", "certificate__service__provider__legal_name"]
    ordering = ["due_on", "pk"]

    @admin.display(description=gettext_lazy("condition"))
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"

    @admin.display(description=gettext_lazy("certificate"), ordering="certificate__number")
    def certificate_number(self, obj):
        return obj.certificate.number

    @admin.display(description=gettext_lazy("provider"), ordering="certificate__service__provider__legal_name")
    def provider(self, obj):
        return obj.certificate.service.provider

    @admin.display(description=gettext_lazy("state"), ordering="state")
    def state_shown(self, obj):
        return condition_state_label(obj, timezone.localdate())

    @admin.display(description=gettext_lazy("surveillance audit"))
    def audit(self, obj):
        return obj.surveillance_audit.sequence if obj.surveillance_audit_id else "—"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/review/", wrap(self.review_view), name="registry_condition_review"),
            path("new/<int:certificate_pk>/", wrap(self.create_view), name="registry_condition_create"),
            *super().get_urls(),
        ]

    def _condition(self, request, pk) -> Condition:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            Condition.objects.select_related(
                "certificate__service__provider", "surveillance_audit", "answered_by", "closed_by", "created_by"
            ),
            pk=pk,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            raise PermissionDenied
        return self._page(request, self._condition(request, object_id))

    def _page(self, request, condition, *, form=None):
        actor = actor_for(request.user)
        moves = [
            (move, label)
            for move, label in REVIEW_BUTTONS.items()
            if not rules.condition_review_refusal(actor, condition, move)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "condition": condition,
            "certificate": condition.certificate,
            "state": condition_state_label(condition, timezone.localdate()),
            "evidence": condition.documents.select_related("uploaded_by").order_by("pk"),
            "moves": moves,
            "form": form or ConditionReviewForm(),
            "title": _("Condition of %(number)s") % {"number": condition.certificate.number},
        }
        return TemplateResponse(request, "admin/registry/condition/page.html", context)

    def review_view(self, request, pk):
        return require_POST(self._review)(request, pk)

    def _review(self, request, pk):
        condition = self._condition(request, pk)
        move = request.POST.get("move", "")
        refusal = rules.condition_review_refusal(actor_for(request.user), condition, move)
        if refusal:
            raise PermissionDenied(refusal)
        form = ConditionReviewForm(request.POST)
        if form.is_valid():
            try:
                services.condition_review(
                    condition=condition, by=request.user, move=move, note=form.cleaned_data["note"]
                )
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Condition %(move)s; the provider is told.") % {
                    "move": rules.CONDITION_MOVE_LABELS[move]
                })  # fmt: skip
                return redirect("admin:registry_condition_change", condition.pk)
        return self._page(request, condition, form=form)

    def create_view(self, request, certificate_pk):
        return require_POST(self._create)(request, certificate_pk)

    def _create(self, request, certificate_pk):
        if not self.has_view_permission(request):
            raise PermissionDenied
        certificate = get_object_or_404(Certificate.objects.select_related("service__provider"), pk=certificate_pk)
        refusal = rules.condition_create_refusal(actor_for(request.user), certificate)
        if refusal:
            raise PermissionDenied(refusal)
        form = ConditionForm(request.POST)
        back = reverse("admin:registry_certificate_change", args=[certificate.pk]) + "#tcr-conditions-title"
        if not form.is_valid():
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
            return redirect(back)
        try:
            services.condition_create(certificate=certificate, by=request.user, **form.cleaned_data)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Condition set; the provider is told."))
        return redirect(back)


def _own_centre(audit_obj):
    """The centre that evaluated the certificate's dossier: offered first, as it knows the service."""
    return audit_obj.certificate.dossier.evaluation_center


def _assign_form(audit_obj) -> AuditAssignForm:
    own = _own_centre(audit_obj)
    centre = audit_obj.evaluation_center_id or (own.pk if own is not None and own.active else None)
    return AuditAssignForm(initial={"evaluation_center": centre, "reviewer": audit_obj.reviewer_id}, own_centre=own)


REVIEW_BUTTONS = {
    "close": gettext_lazy("Close as met"),
    "reopen": gettext_lazy("Send back to the provider"),
    "withdraw": gettext_lazy("Withdraw"),
}


def condition_state_label(condition, day) -> str:
    """The state as the agency reads it: the stored one, and "overdue" when rules.condition_overdue() says so."""
    if rules.condition_overdue(condition, day):
        return _("%(state)s, overdue") % {"state": condition.get_state_display()}
    return condition.get_state_display()


def certificate_context(actor, certificate) -> dict:
    """The certificate page's part: its surveillance plan, its conditions, and the form that sets one."""
    today = timezone.localdate()
    audits = list(
        SurveillanceAudit.objects.filter(certificate=certificate).select_related("evaluation_center", "reviewer")
    )
    for audit_obj in audits:
        audit_obj.certificate = certificate
        audit_obj.state_label = rules.AUDIT_STATES[rules.audit_state(audit_obj, today)]
    conditions = list(Condition.objects.filter(certificate=certificate).select_related("surveillance_audit"))
    for condition in conditions:
        condition.certificate = certificate
        condition.state_label = condition_state_label(condition, today)
    may_create = not rules.condition_create_refusal(actor, certificate)
    return {
        "surveillance_audits": audits,
        "condition_items": conditions,
        "condition_form": ConditionForm() if may_create else None,
    }
