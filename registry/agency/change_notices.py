"""Change notices in the agency's workspace: the list (filters: status, late, kind), the page with the difference
from the certified record and the automatic checks on the proposed record, and the moves (take, accept or propose
the acceptance, confirm, re-evaluate, refuse), each through registry.certificates.changes."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.accounts.permissions import actor_for
from registry.agency.change_queue import QUEUE_LABELS
from registry.agency.times import zoned
from registry.agency.viewonly import AgencyReadOnly
from registry.certificates import change_rules, change_selectors, changes
from registry.certificates.change_selectors import change_checks, readable_difference
from registry.certificates.choices import ChangeStatus
from registry.certificates.models import ChangeNotice
from registry.qualification.workflow import Refused


class QueueFilter(admin.SimpleListFilter):
    title = gettext_lazy("waiting")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return list(QUEUE_LABELS.items())

    def queryset(self, request, queryset):
        if self.value() in change_selectors.QUEUES:
            return queryset.filter(change_selectors.QUEUES[self.value()](request.user.pk))
        return queryset


class DecisionForm(forms.Form):
    public_summary = forms.CharField(
        label=gettext_lazy("Public summary (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "lang": "en"}),
    )
    public_summary_fr = forms.CharField(
        label=gettext_lazy("Public summary (French)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "lang": "fr"}),
    )
    outcome_note = forms.CharField(
        label=gettext_lazy("Decision and its consequence"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    propose_suspension = forms.BooleanField(label=gettext_lazy("Propose a suspension"), required=False)


def _run(move, notice, by, data):
    if move == "take":
        return changes.notice_take(notice=notice, by=by)
    if move == "accept":
        return changes.notice_accept(
            notice=notice, by=by, public_summary=data["public_summary"], public_summary_fr=data["public_summary_fr"]
        )
    if move == "confirm":
        return changes.notice_confirm(
            notice=notice, by=by, public_summary=data["public_summary"], public_summary_fr=data["public_summary_fr"]
        )
    if move == "reevaluate":
        return changes.notice_reevaluate(notice=notice, by=by, comment=data["outcome_note"])
    return changes.notice_refuse(
        notice=notice, by=by, outcome_note=data["outcome_note"], propose_suspension=data["propose_suspension"]
    )


@admin.register(ChangeNotice)
class ChangeNoticeAdmin(AgencyReadOnly, admin.ModelAdmin):
    change_form_template = "admin/registry/changenotice/change_form.html"
    list_display = ["reference", "provider", "service", "kind", "change_type", "status", "late", "filed_at_zoned",
                    "reviewer"]  # fmt: skip
    list_select_related = ["provider", "service", "reviewer"]
    list_filter = [QueueFilter, "status", "late", "kind"]
    search_fields = ["reference", "provider__legal_name", "service__name"]
    fields = ["reference", "status", "provider", "service", "kind", "change_type", "effective_on", "late",
              "filed_at_zoned", "filed_by", "description", "reviewer", "acceptance_proposed_by", "decided_by",
              "public_summary", "public_summary_fr", "outcome_note", "reevaluation"]  # fmt: skip
    readonly_fields = fields
    filed_at_zoned = zoned(ChangeNotice, "filed_at")

    def get_queryset(self, request):
        # A draft is the provider's own until filed.
        return super().get_queryset(request).exclude(status=ChangeStatus.DRAFT)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/move/<slug:move>/", wrap(self.move_view), name="registry_changenotice_move"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        notice = get_object_or_404(self.get_queryset(request).select_related("provider", "service"), pk=object_id)
        actor = actor_for(request.user)
        extra = {
            "difference": readable_difference(notice),
            "checks": change_checks(notice),
            "moves": [move for move in change_rules.MOVES if change_rules.move_refusal(actor, notice, move) is None],
            "decision_form": DecisionForm(initial={"public_summary": notice.public_summary}),
            "needs_second_person": change_rules.needs_second_person(notice.change_type),
        }
        return super().change_view(request, object_id, form_url, extra_context={**(extra_context or {}), **extra})

    def move_view(self, request, pk, move):
        if not self.has_view_permission(request) or request.method != "POST":
            raise PermissionDenied
        if move not in change_rules.MOVES:
            raise PermissionDenied(_("Unknown action."))
        notice = get_object_or_404(self.get_queryset(request), pk=pk)
        form = DecisionForm(request.POST)
        form.is_valid()
        try:
            _run(move, notice, request.user, form.cleaned_data)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            notice.refresh_from_db()
            messages.success(
                request,
                _("Change notice %(ref)s: %(status)s.")
                % {"ref": notice.reference, "status": notice.get_status_display()},
            )
        return redirect("admin:registry_changenotice_change", notice.pk)
