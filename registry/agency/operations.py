"""The background jobs' bookkeeping in the agency workspace: failed deliveries and the reminders sent.

Both are for registry administrators (and superusers) only. Their model permissions were never granted to the agency
groups (registry/migrations/0002_agency_groups.py predates these models, and migrations are not to be added for it),
so the admin asks the group itself.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy, ngettext

from registry.agency.times import zoned
from registry.notifications.failures import delivery_failures_resolve, may_manage_deliveries
from registry.notifications.models import DeliveryFailure, Reminder
from registry.qualification.workflow import Refused


class AdministratorsOnly:
    """Visible to registry administrators and superusers; read-only unless a method says otherwise."""

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff and may_manage_deliveries(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record stays: resolving a failure is a mark, not an erasure


class ResolvedFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("unresolved", gettext_lazy("Unresolved")), ("resolved", gettext_lazy("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() == "unresolved":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset


@admin.register(DeliveryFailure)
class DeliveryFailureAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ["failed_at_zoned", "task_name", "arguments", "short_error", "resolved_at_zoned"]
    list_filter = [ResolvedFilter, "task", "failed_at"]
    search_fields = ["task", "error"]
    date_hierarchy = "failed_at"
    fields = ["task", "arguments", "error", "failed_at_zoned", "resolved_at_zoned"]
    readonly_fields = fields
    failed_at_zoned = zoned(DeliveryFailure, "failed_at")
    resolved_at_zoned = zoned(DeliveryFailure, "resolved_at")
    actions = ["mark_resolved"]

    def has_resolve_permission(self, request):
        return self.has_view_permission(request)

    @admin.display(description=gettext_lazy("task"), ordering="task")
    def task_name(self, obj):
        return obj.task.rsplit(".", 1)[-1]

    @admin.display(description=gettext_lazy("error"))
    def short_error(self, obj):
        return obj.error if len(obj.error) <= 120 else obj.error[:119] + "…"

    @admin.action(
        description=gettext_lazy("Mark resolved (the outbox sweep sends the event again)"),
        permissions=["resolve"],
    )
    def mark_resolved(self, request, queryset):
        # The action's permission hides it from others; the service checks again, as every write does.
        if not self.has_resolve_permission(request):
            raise PermissionDenied
        try:
            count = delivery_failures_resolve(failures=list(queryset), by=request.user)
        except Refused as exc:
            raise PermissionDenied(str(exc)) from exc
        messages.success(
            request,
            ngettext(
                "%(count)d failed delivery marked resolved.", "%(count)d failed deliveries marked resolved.", count
            )
            % {"count": count},
        )


@admin.register(Reminder)
class ReminderAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ["key", "sent_at_zoned"]
    search_fields = ["key"]
    date_hierarchy = "sent_at"
    fields = ["key", "sent_at_zoned"]
    readonly_fields = fields
    sent_at_zoned = zoned(Reminder, "sent_at")


__all__ = ["DeliveryFailureAdmin", "ReminderAdmin"]
