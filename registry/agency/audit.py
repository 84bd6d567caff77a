"""The security audit log in the agency workspace: read by the agency's three groups, changed by nobody.

AuditEvent's model permissions were never granted to the groups (registry/migrations/0002_agency_groups.py predates
the model, and no migration is added for it), so reading is decided by group membership. Adding, changing and deleting
are refused to everyone, superusers included: the log is append-only (the model refuses it too, and on PostgreSQL the
database).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from registry.accounts.models import AuditEvent
from registry.accounts.permissions import actor_for
from registry.core.times import with_zone


class ActionFilter(admin.SimpleListFilter):
    """The actions recorded so far (one query), rather than a fixed list that new hooks would outgrow."""

    title = gettext_lazy("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(action, action) for action in actions]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class ObjectTypeFilter(admin.SimpleListFilter):
    """The kinds of object the log names, and the events that name none (sign-ins, failed attempts) under words of
    their own: Django's filter on the field offered those as a link without text, which a screen reader reads as
    nothing."""

    title = gettext_lazy("object type")
    parameter_name = "object_type"
    NONE = "-"

    def lookups(self, request, model_admin):
        kinds = AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
        return [(kind or self.NONE, kind or gettext_lazy("No object")) for kind in kinds]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(object_type="" if self.value() == self.NONE else self.value())


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["when", "actor_label", "action", "object_type", "object_id", "object_name", "ip"]
    list_filter = [ActionFilter, ("actor", admin.RelatedOnlyFieldListFilter), ObjectTypeFilter]
    # "=object_id": the primary key as in the admin's URLs; detail__object / __dossier: a reference or number (DOS-…).
    search_fields = ["=object_id", "detail__object", "detail__dossier", "actor_label"]
    search_help_text = gettext_lazy("A dossier reference, certificate number, object id or e-mail address.")
    date_hierarchy = "at"
    list_per_page = 100
    actions = None
    fields = ["when", "actor", "actor_label", "action", "object_type", "object_id", "detail", "ip", "user_agent"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("time"), ordering="at")
    def when(self, obj):
        # Stored in UTC, shown in the zone the reader reads it in, with that zone's name.
        return with_zone(obj.at)

    @admin.display(description=gettext_lazy("object name"))
    def object_name(self, obj):
        return (obj.detail or {}).get("object", "")

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        user = request.user
        return user.is_active and user.is_staff and (user.is_superuser or bool(actor_for(user).groups))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
