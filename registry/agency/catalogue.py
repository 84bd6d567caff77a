"""The catalogue as registry administrators keep it by hand: schemes, requirements and evaluation centres.

Saves and deletes are the catalogue's edit services (registry.catalogue.edits: audit line, publication); what dossiers,
certificates or the catalogue file refer to is read-only once saved (edits.fixed_fields). Providers and services are
in registry/agency/providers.py.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy

from registry.agency.times import zoned
from registry.agency.viewonly import ViewOnlyGuard
from registry.agency.writes import WritesThroughServices, deleted_instances, inline_rows
from registry.catalogue import edits
from registry.catalogue.models import EvaluationCenter, Requirement, Scheme
from registry.evaluation import selectors as evaluation_selectors
from registry.evaluation import services as evaluation
from registry.evaluation.models import Evaluator, EvaluatorInvitation


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


class CentrePeopleInline(admin.TabularInline):
    """A centre's people follow the centre's permissions (no permission of their own was granted to the agency's
    groups); the services refuse anyone but a registry administrator all the same."""

    extra = 0

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("registry.view_evaluationcenter")

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("registry.change_evaluationcenter")

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("registry.change_evaluationcenter")


class EvaluatorInline(CentrePeopleInline):
    """The centre's evaluators: an administrator turns one's access off or on again; nobody is deleted (four eyes
    and the audit log read them)."""

    model = Evaluator
    fields = ["user", "active", "created_at_zoned"]
    readonly_fields = ["user", "created_at_zoned"]
    created_at_zoned = zoned(Evaluator, "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request, obj=None):
        return False  # evaluators join by invitation

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("registry.change_evaluationcenter")

    def has_delete_permission(self, request, obj=None):
        return False


class EvaluatorInvitationInline(CentrePeopleInline):
    """Invite an evaluator: an e-mail address; the invitation is sent in the invitee's language. A sent invitation
    is never edited, only withdrawn."""

    model = EvaluatorInvitation
    fields = ["email", "invited_by", "created_at_zoned"]
    readonly_fields = ["invited_by", "created_at_zoned"]
    created_at_zoned = zoned(EvaluatorInvitation, "created_at")
    verbose_name = gettext_lazy("invitation of an evaluator")
    verbose_name_plural = gettext_lazy("invite an evaluator (pending invitations)")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(accepted_at__isnull=True).select_related("invited_by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EvaluationCenter)
class EvaluationCenterAdmin(CatalogueAdmin):
    list_display = ["name", "country", "approval_reference", "active"]
    list_filter = ["active", "country"]
    search_fields = ["name", "approval_reference"]

    def get_readonly_fields(self, request, obj=None):
        held = ["held_dossiers"] if obj is not None else []
        return [*super().get_readonly_fields(request, obj), *held]

    def get_fields(self, request, obj=None):
        fields = [f for f in super().get_fields(request, obj) if f != "held_dossiers"]
        return [*fields, "held_dossiers"] if obj is not None else fields

    def get_inlines(self, request, obj):
        return [] if obj is None else [EvaluatorInline, EvaluatorInvitationInline]

    @admin.display(description=gettext_lazy("open dossiers it holds"))
    def held_dossiers(self, obj):
        """What the centre holds now (admitted, not decided): what the agency must see to when its approval lapses."""
        dossiers = list(evaluation_selectors.held_dossiers(obj))
        if not dossiers:
            return gettext_lazy("None")
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a>: {} ({})</li>',
                (
                    (
                        reverse("admin:registry_dossier_change", args=[d.pk]),
                        d.reference,
                        d.service.name,
                        d.get_status_display(),
                    )
                    for d in dossiers
                ),
            ),
        )

    def save_formset(self, request, form, formset, change):
        centre = form.instance
        if formset.model is Evaluator:
            for row_form in formset.initial_forms:
                if row_form.has_changed() and "active" in row_form.changed_data:
                    evaluation.evaluator_set_active(
                        evaluator=row_form.instance, by=request.user, active=row_form.cleaned_data["active"]
                    )
        elif formset.model is EvaluatorInvitation:
            for invitation in deleted_instances(formset):
                evaluation.evaluator_invitation_revoke(invitation=invitation, by=request.user)
            for row in inline_rows(formset, ["email"]):
                if row["id"] is None:
                    evaluation.evaluator_invite(centre=centre, by=request.user, email=row["email"])
        else:
            super().save_formset(request, form, formset, change)
