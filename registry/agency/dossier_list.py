"""The dossier list of the agency's workspace: its queues, columns and search."""

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.accounts.permissions import actor_for
from registry.agency.paging import IdsFirstPaginator
from registry.providers.models import Service
from registry.qualification import workflow
from registry.qualification.selectors import dossiers_waiting_for
from registry.qualification.statuses import dossier_badge


class MineFilter(admin.SimpleListFilter):
    title = gettext_lazy("my work")
    parameter_name = "work"

    def lookups(self, request, model_admin):
        return [("mine", _("Instructed by me")), ("waiting", _("Waiting for me"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(instructing_reviewer=request.user)
        if self.value() == "waiting":
            return dossiers_waiting_for(actor_for(request.user), queryset)
        return queryset


class ReviewerFilter(admin.RelatedFieldListFilter):
    """The reviewers to choose from: the members of the Reviewers group. Django's RelatedOnlyFieldListFilter finds
    them with a DISTINCT over every dossier on every page of the list; the group is a small query at any size."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to=Q(groups__name=workflow.REVIEWERS)
        )


class DossierListMixin:
    list_display = ["reference", "service", "provider", "scheme", "status_badge", "reviewer", "days_in_status"]
    list_select_related = ["service__provider", "scheme", "instructing_reviewer"]
    list_filter = [MineFilter, "status", "scheme", ("instructing_reviewer", ReviewerFilter), "kind"]
    search_fields = ["reference", "service__name", "service__provider__legal_name"]
    ordering = ["status_changed_at"]  # oldest move first; index dossier_list_order
    list_per_page = 50
    # At 50,000 dossiers every page stays a fixed handful of queries: no second COUNT of the whole table for
    # "N total", and the page's rows found by id before their joins (registry/agency/paging.py).
    show_full_result_count = False
    paginator = IdsFirstPaginator

    @admin.display(description=gettext_lazy("provider"), ordering="service__provider__legal_name")
    def provider(self, obj):
        return obj.service.provider

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, obj):
        return dossier_badge(obj.status)

    @admin.display(description=gettext_lazy("reviewer"), ordering="instructing_reviewer__last_name")
    def reviewer(self, obj):
        person = obj.instructing_reviewer
        return (person.get_full_name() or person.email) if person else "—"

    @admin.display(description=gettext_lazy("days in status"), ordering="status_changed_at")
    def days_in_status(self, obj):
        return (timezone.now() - obj.status_changed_at).days

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service__provider", "scheme", "instructing_reviewer")

    def get_search_results(self, request, queryset, search_term):
        """Each word in the reference, or in the service's or the provider's name (as search_fields says).

        The names are matched in the service table first: Django's OR across the three joined tables made the
        database join every dossier to its service and provider before it could filter one out."""
        for word in search_term.split():
            services = Service.objects.filter(Q(name__icontains=word) | Q(provider__legal_name__icontains=word))
            queryset = queryset.filter(Q(reference__icontains=word) | Q(service__in=services.values("pk")))
        return queryset, False
