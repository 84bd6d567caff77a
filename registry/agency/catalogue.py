"""The catalogue as registry administrators keep it by hand: schemes, requirements and evaluation centres.

Saves and deletes are the catalogue's edit services (registry.catalogue.edits: audit line, publication); what dossiers,
certificates or the catalogue file refer to is read-only once saved (edits.fixed_fields). Providers and services are
in registry/agency/providers.py.
"""

from django.contrib import admin

from registry.agency.viewonly import ViewOnlyGuard
from registry.agency.writes import WritesThroughServices
from registry.catalogue import edits
from registry.catalogue.models import EvaluationCenter, Requirement, Scheme


class CatalogueAdmin(ViewOnlyGuard, WritesThroughServices, admin.ModelAdmin):
    # Deleting a catalogue entry is refused only when something refers to it, which the admin's own confirmation
    # page finds and refuses first: the bulk action stays.
    bulk_delete = True

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *(edits.fixed_fields(obj) if obj is not None else ())]

    def save_model(self, request, obj, form, change):
        editable = edits.EDITABLE[self.model]
        values = {name: value for name, value in form.cleaned_data.items() if name in editable}
        if change:
            edits.catalogue_update(obj=obj, by=request.user, **values)
        else:
            obj.pk = edits.catalogue_create(model=self.model, by=request.user, **values).pk

    def delete_model(self, request, obj):
        edits.catalogue_delete(obj=obj, by=request.user)


@admin.register(Scheme)
class SchemeAdmin(CatalogueAdmin):
    list_display = [
        "name",
        "version",
        "code",
        "validity_months",
        "individual_cap_percent",
        "collective_cap_percent",
        "declaration_threshold_percent",
        "active",
    ]
    search_fields = ["name", "code"]


@admin.register(Requirement)
class RequirementAdmin(CatalogueAdmin):
    list_display = ["ref", "title_en", "title_fr", "scheme", "parent"]
    list_select_related = ["scheme", "parent"]
    list_filter = ["scheme"]
    search_fields = ["ref", "title_en", "title_fr"]
    ordering = ["scheme", "position"]


@admin.register(EvaluationCenter)
class EvaluationCenterAdmin(CatalogueAdmin):
    list_display = ["name", "country", "approval_reference", "active"]
    list_filter = ["active", "country"]
    search_fields = ["name", "approval_reference"]
