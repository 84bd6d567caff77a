"""Providers, their members, invitations, shareholders and services, as registry administrators keep them in the admin.

Every save and delete is the portal's own service (registry.providers.services and .offerings, through
`WritesThroughServices`), so the organisation's rules hold here too: an organisation keeps an owner, the shareholders'
totals stay within 100 %, a published address never changes, a service filed for qualification stays with its provider.
What no service writes is read-only: a provider's slug, a member's account, a sent invitation.
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from registry.agency.times import zoned
from registry.agency.viewonly import ViewOnlyGuard
from registry.agency.writes import WritesThroughServices, deleted_instances, inline_rows
from registry.core.bilingual_forms import BilingualFormMixin
from registry.providers import offerings, rules
from registry.providers import services as providers
from registry.providers.models import Invitation, Membership, Provider, Service, Shareholder, Site, ThirdParty
from registry.providers.selectors import service_facts

# Provider


class MembershipInline(admin.TabularInline):
    """Members join by invitation; here an administrator changes a role or removes a member (never the last owner)."""

    model = Membership
    extra = 0
    fields = ["user", "role", "created_at_zoned"]
    readonly_fields = ["user", "created_at_zoned"]
    created_at_zoned = zoned(Membership, "created_at")

    def has_add_permission(self, request, obj=None):
        return False


class InvitationInline(admin.TabularInline):
    """Pending invitations: an administrator invites someone (the first owner of an organisation they registered, a new
    owner when the last one is gone) or withdraws an invitation. A sent invitation is never edited."""

    model = Invitation
    extra = 0
    fields = ["email", "role", "invited_by", "created_at_zoned"]
    readonly_fields = ["invited_by", "created_at_zoned"]
    created_at_zoned = zoned(Invitation, "created_at")
    verbose_name_plural = gettext_lazy("pending invitations")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(accepted_at__isnull=True).select_related("invited_by")

    # No permission of its own was ever granted to the agency's groups: an invitation is part of the organisation's
    # record and follows the provider's permissions.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("registry.view_provider")

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm("registry.change_provider")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("registry.change_provider")


class ShareholderFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if not any(self.errors):
            # The totals are a rule of the whole list, checked here to show it beside the list (the service checks too).
            refusals = rules.ownership_totals_refusals(inline_rows(self, providers.SHAREHOLDER_FIELDS))
            if refusals:
                raise forms.ValidationError(refusals)


class ShareholderInline(admin.TabularInline):
    model = Shareholder
    formset = ShareholderFormSet
    fields = providers.SHAREHOLDER_FIELDS
    extra = 0


class DescribedForm(BilingualFormMixin, forms.ModelForm):
    """The description in English and French, each box labelled and marked with its language."""

    bilingual = ("description",)


class ProviderAddForm(DescribedForm):
    owner_email = forms.EmailField(
        label=gettext_lazy("First owner's e-mail address"),
        help_text=gettext_lazy("An invitation to join as the organisation's owner is sent to this address."),
    )


LOCATIONS = (
    gettext_lazy("Locations (19.6.a)"),
    {"fields": ["registered_office_country", "central_administration_country", "principal_establishment_country"]},
)


@admin.register(Provider)
class ProviderAdmin(ViewOnlyGuard, WritesThroughServices, SimpleHistoryAdmin):
    list_display = ["legal_name", "registration_id", "registered_office_country", "service_count"]
    search_fields = ["legal_name", "registration_id"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["legal_name", "slug", "registration_id", "website", "description", "description_fr"]}),
        LOCATIONS,
    ]
    add_fieldsets = [
        (
            None,
            {"fields": ["legal_name", "owner_email", "registration_id", "website", "description", "description_fr"]},
        ),
        LOCATIONS,
    ]
    form = DescribedForm
    add_form = ProviderAddForm
    readonly_fields = ["slug"]  # set once at creation; the members' links and the public registry hold it

    @admin.display(description=gettext_lazy("services"))
    def service_count(self, obj):
        return obj.services.count()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("services")

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change, **kwargs)

    def get_inlines(self, request, obj):
        return [] if obj is None else [MembershipInline, InvitationInline, ShareholderInline]

    def save_model(self, request, obj, form, change):
        profile = {name: form.cleaned_data[name] for name in providers.PROFILE_FIELDS if name in form.cleaned_data}
        if change:
            providers.provider_update(provider=obj, by=request.user, **profile)
            return
        created = providers.provider_register(by=request.user, owner_email=form.cleaned_data["owner_email"], **profile)
        obj.pk, obj.slug, obj.created_at = created.pk, created.slug, created.created_at

    def save_formset(self, request, form, formset, change):
        provider = form.instance
        if formset.model is Membership:
            # Roles first: an owner named in the same save lets the former one go.
            for member_form in formset.initial_forms:
                changed = member_form.has_changed() and "role" in member_form.changed_data
                if changed and member_form not in formset.deleted_forms:
                    providers.membership_change_role(
                        membership=member_form.instance, by=request.user, role=member_form.cleaned_data["role"]
                    )
            for membership in deleted_instances(formset):
                providers.membership_remove(membership=membership, by=request.user)
        elif formset.model is Invitation:
            for invitation in deleted_instances(formset):
                providers.invitation_revoke(invitation=invitation, by=request.user)
            for row in inline_rows(formset, ["email", "role"]):
                if row["id"] is None:
                    providers.invitation_create(
                        provider=provider, by=request.user, email=row["email"], role=row["role"]
                    )
        elif formset.model is Shareholder:
            rows = inline_rows(formset, providers.SHAREHOLDER_FIELDS)
            providers.shareholders_replace(provider=provider, by=request.user, rows=rows)
        else:
            super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        providers.provider_delete(provider=obj, by=request.user)


@admin.register(Shareholder)
class ShareholderAdmin(ViewOnlyGuard, WritesThroughServices, SimpleHistoryAdmin):
    list_display = [
        "name",
        "provider",
        "country",
        "capital_percent",
        "voting_percent",
        "veto_right",
        "appoints_board_majority",
    ]
    list_select_related = ["provider"]
    search_fields = ["name", "provider__legal_name"]
    fields = ["provider", *providers.SHAREHOLDER_FIELDS]
    autocomplete_fields = ["provider"]

    def get_readonly_fields(self, request, obj=None):
        return ["provider"] if obj is not None else []  # a holding is of one organisation

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in providers.SHAREHOLDER_FIELDS}
        saved = providers.shareholder_save(
            provider=obj.provider, by=request.user, shareholder=obj if change else None, **values
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        providers.shareholder_remove(shareholder=obj, by=request.user)


# Service


class SiteInline(admin.TabularInline):
    model = Site
    fields = offerings.SITE_FIELDS
    extra = 0


class ThirdPartyInline(admin.TabularInline):
    model = ThirdParty
    fk_name = "service"
    fields = offerings.THIRD_PARTY_FIELDS
    extra = 0
    autocomplete_fields = ["relies_on_service"]


@admin.register(Service)
class ServiceAdmin(ViewOnlyGuard, WritesThroughServices, SimpleHistoryAdmin):
    list_display = ["name", "provider", "service_model", "updated_at_zoned"]
    updated_at_zoned = zoned(Service, "updated_at")
    list_select_related = ["provider"]
    list_filter = ["service_model"]
    search_fields = ["name", "provider__legal_name"]
    autocomplete_fields = ["provider"]
    fields = ["provider", "name", "slug", "service_model", "description", "description_fr"]
    form = DescribedForm
    inlines = [SiteInline, ThirdPartyInline]

    def _facts(self, obj):
        # Asked several times per page (form, fields, layout): read once per object.
        if not hasattr(obj, "_agency_facts"):
            obj._agency_facts = service_facts(obj)
        return obj._agency_facts

    def get_fields(self, request, obj=None):
        return self.fields if obj is not None else [f for f in self.fields if f != "slug"]  # the service names it

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        facts = self._facts(obj)
        return [
            *(["provider"] if facts.move_refusal else []),
            *(["slug"] if facts.slug_published else []),
        ]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        values = {name: data[name] for name in offerings.SERVICE_FIELDS if name in data}
        if not change:
            created = offerings.service_create(provider=data["provider"], by=request.user, **values)
            obj.pk, obj.slug, obj.created_at, obj.updated_at = (
                created.pk, created.slug, created.created_at, created.updated_at,
            )  # fmt: skip
            return
        saved = Service.objects.select_related("provider").get(pk=obj.pk)
        offerings.service_update(service=saved, by=request.user, **values)
        if "provider" in data and data["provider"] != saved.provider:
            offerings.service_move(service=saved, by=request.user, provider=data["provider"])
        if "slug" in data and data["slug"] != saved.slug:
            offerings.service_change_slug(service=saved, by=request.user, slug=data["slug"])

    def save_formset(self, request, form, formset, change):
        service = form.instance
        if formset.model is Site:
            rows = inline_rows(formset, offerings.SITE_FIELDS)
            offerings.sites_replace(service=service, by=request.user, rows=rows)
        elif formset.model is ThirdParty:
            rows = inline_rows(formset, offerings.THIRD_PARTY_FIELDS)
            offerings.third_parties_replace(service=service, by=request.user, rows=rows)
        else:
            super().save_formset(request, form, formset, change)

    def delete_model(self, request, obj):
        offerings.service_delete(service=obj, by=request.user)
