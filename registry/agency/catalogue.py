"""What registry administrators manage by hand: providers, services, schemes and evaluation centres."""

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from registry.agency.viewonly import ViewOnlyGuard
from registry.catalogue.models import EvaluationCenter, Requirement, Scheme
from registry.providers.models import Membership, Provider, Service, Shareholder, Site, ThirdParty


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class ShareholderInline(admin.TabularInline):
    model = Shareholder
    extra = 0


@admin.register(Provider)
class ProviderAdmin(ViewOnlyGuard, SimpleHistoryAdmin):
    list_display = ["legal_name", "registration_id", "registered_office_country", "service_count"]
    search_fields = ["legal_name", "registration_id"]
    prepopulated_fields = {"slug": ["legal_name"]}
    inlines = [MembershipInline, ShareholderInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["legal_name", "slug", "registration_id", "website", "description"]}),
        (
            gettext_lazy("Locations (19.6.a)"),
            {
                "fields": [
                    "registered_office_country",
                    "central_administration_country",
                    "principal_establishment_country",
                ]
            },
        ),
    ]

    @admin.display(description=gettext_lazy("services"))
    def service_count(self, obj):
        return obj.services.count()

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("services")


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


class ThirdPartyInline(admin.TabularInline):
    model = ThirdParty
    fk_name = "service"
    extra = 0
    autocomplete_fields = ["relies_on_service"]


@admin.register(Service)
class ServiceAdmin(ViewOnlyGuard, SimpleHistoryAdmin):
    list_display = ["name", "provider", "service_model", "updated_at"]
    list_select_related = ["provider"]
    list_filter = ["service_model"]
    search_fields = ["name", "provider__legal_name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["provider"]
    inlines = [SiteInline, ThirdPartyInline]


@admin.register(Shareholder)
class ShareholderAdmin(ViewOnlyGuard, SimpleHistoryAdmin):
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


@admin.register(Scheme)
class SchemeAdmin(ViewOnlyGuard, admin.ModelAdmin):
    list_display = [
        "name",
        "version",
        "code",
        "validity_months",
        "individual_cap_percent",
        "collective_cap_percent",
        "active",
    ]
    search_fields = ["name", "code"]


@admin.register(Requirement)
class RequirementAdmin(ViewOnlyGuard, admin.ModelAdmin):
    list_display = ["ref", "title_en", "title_fr", "scheme", "parent"]
    list_select_related = ["scheme", "parent"]
    list_filter = ["scheme"]
    search_fields = ["ref", "title_en", "title_fr"]
    ordering = ["scheme", "position"]


@admin.register(EvaluationCenter)
class EvaluationCenterAdmin(ViewOnlyGuard, admin.ModelAdmin):
    list_display = ["name", "country", "approval_reference", "active"]
    list_filter = ["active", "country"]
    search_fields = ["name", "approval_reference"]
