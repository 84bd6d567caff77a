"""The dossier list of the agency's workspace: its queues, columns and search."""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.accounts.permissions import actor_for
from registry.core.paging import IdsFirstPaginator
from registry.core.times import with_zone
from registry.providers.models import Service
from registry.qualification import workflow
from registry.qualification.selectors import QUEUES, default_queue, queues_for, with_last_activity, with_unread
from registry.qualification.statuses import dossier_badge

QUEUE_PARAMETER = "queue"


def chosen_queue(request):
    """The queue the list shows: the one asked for in the query string, else the person's default queue."""
    return QUEUES.get(request.GET.get(QUEUE_PARAMETER, "")) or default_queue(actor_for(request.user))


class QueueFilter(admin.SimpleListFilter):
    """The queues of the workspace's home (registry.qualification.selectors.QUEUES), plus the person's own open
    dossiers and all of them. No value means the person's default queue, not everything: a reviewer opens the list on
    their own open dossiers, a committee member on the decisions waiting for them."""

    title = gettext_lazy("work queue")
    parameter_name = QUEUE_PARAMETER

    def lookups(self, request, model_admin):
        actor = actor_for(request.user)
        shown = queues_for(actor)
        asked = QUEUES.get(self.value() or "")
        if asked is not None and asked not in shown:
            shown.append(asked)  # a queue of another group, asked for by its address: shown as chosen
        return [(queue.key, queue.label) for queue in shown]

    def queryset(self, request, queryset):
        if self.value() is not None and self.value() not in QUEUES:
            raise IncorrectLookupParameters(self.value())
        queue = chosen_queue(request)
        return queryset.filter(queue.condition(actor_for(request.user), timezone.localdate()))

    def choices(self, changelist):
        # No "All" of Django's (the list without the parameter is the default queue); "all" is one of the queues.
        current = chosen_queue(self.request).key
        for key, label in self.lookup_choices:
            yield {
                "selected": key == current,
                "query_string": changelist.get_query_string({self.parameter_name: key}),
                "display": label,
            }


class ReviewerFilter(admin.RelatedFieldListFilter):
    """The reviewers to choose from: the members of the Reviewers group. Django's RelatedOnlyFieldListFilter finds
    them with a DISTINCT over every dossier on every page of the list; the group is a small query at any size."""

    def field_choices(self, field, request, model_admin):
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(
            include_blank=False, ordering=ordering, limit_choices_to=Q(groups__name=workflow.REVIEWERS)
        )


class DossierChangeList(ChangeList):
    """The list's rows with their last activity and their unread messages, read by subqueries on the page's rows only
    (the paginator finds the page's ids without them, and the count leaves them out)."""

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        return with_unread(with_last_activity(queryset), request.user.pk)

    def get_results(self, request):
        super().get_results(request)
        # Without a full count Django offers "Show all" beside the number of results, a link to the list without
        # parameters: here, the person's default queue, not everything. "All dossiers" is a queue of the filter.
        self.full_result_count = self.result_count


class DossierListMixin:
    # Seven columns that fit 1280 px beside the filters: the reviewer and the scheme are filters, not columns.
    list_display = [
        "reference", "service", "provider", "status_badge", "days_in_status", "last_activity", "unread",
    ]  # fmt: skip
    list_select_related = ["service__provider"]
    list_filter = [QueueFilter, "status", "scheme", ("instructing_reviewer", ReviewerFilter), "kind"]
    search_fields = ["reference", "service__name", "service__provider__legal_name"]
    ordering = ["status_changed_at"]  # oldest move first; index dossier_list_order
    list_per_page = 50
    # At 50,000 dossiers every page stays a fixed handful of queries: no second COUNT of the whole table for
    # "N total", no count per filter choice, and the page's rows found by id before their joins
    # (registry/core/paging.py).
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = IdsFirstPaginator

    @admin.display(description=gettext_lazy("provider"), ordering="service__provider__legal_name")
    def provider(self, obj):
        return obj.service.provider

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, obj):
        return dossier_badge(obj.status)

    @admin.display(description=gettext_lazy("days in status"), ordering="status_changed_at")
    def days_in_status(self, obj):
        return (timezone.now() - obj.status_changed_at).days

    @admin.display(description=gettext_lazy("last activity"))
    def last_activity(self, obj):
        if obj.last_activity_at is None:
            return "—"
        return format_html(
            '{}<br><time class="tcr-muted" datetime="{}">{}</time>',
            obj.last_activity_by or _("the registry"),
            obj.last_activity_at.isoformat(),
            with_zone(obj.last_activity_at),
        )

    @admin.display(description=gettext_lazy("unread messages"))
    def unread(self, obj):
        if not obj.unread:
            return format_html('<span class="tcr-muted">{}</span>', 0)
        return format_html('<strong class="tcr-unread">{}</strong>', obj.unread)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("service__provider", "scheme", "instructing_reviewer")

    def get_changelist(self, request, **kwargs):
        return DossierChangeList

    def changelist_view(self, request, extra_context=None):
        # Django's "Select dossier to view" ("Sélectionnez l'objet dossier à afficher") says nothing of what is listed.
        title = _("Dossiers – %(queue)s") % {"queue": chosen_queue(request).label}
        return super().changelist_view(request, extra_context={"title": title, **(extra_context or {})})

    def get_search_results(self, request, queryset, search_term):
        """Each word in the reference, or in the service's or the provider's name (as search_fields says).

        The names are matched in the service table first: Django's OR across the three joined tables made the
        database join every dossier to its service and provider before it could filter one out."""
        for word in search_term.split():
            services = Service.objects.filter(Q(name__icontains=word) | Q(provider__legal_name__icontains=word))
            queryset = queryset.filter(Q(reference__icontains=word) | Q(service__in=services.values("pk")))
        return queryset, False
