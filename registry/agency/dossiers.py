"""The reviewers' workspace for dossiers: the list (registry/agency/dossier_list.py) and the dossier's page with its
moves (registry/agency/dossier_page.py), on one ModelAdmin."""

from django.contrib import admin

from registry.agency.dossier_list import DossierListMixin
from registry.agency.dossier_page import DECISIONS, DossierPageMixin
from registry.agency.evaluation_contract import EvaluationContractMixin
from registry.agency.evaluation_plan import EvaluationPlanMixin
from registry.agency.evaluation_report import EvaluationReportMixin
from registry.agency.oscal import DossierOscalMixin
from registry.qualification.models import Dossier

__all__ = ["DECISIONS", "DossierAdmin"]


@admin.register(Dossier)
class DossierAdmin(
    DossierListMixin,
    DossierPageMixin,
    DossierOscalMixin,
    EvaluationContractMixin,
    EvaluationPlanMixin,
    EvaluationReportMixin,
    admin.ModelAdmin,
):
    class Media:
        css = {"all": ["css/status.css"]}

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            *self.page_urls(),
            *self.oscal_urls(),
            *self.contract_urls(),
            *self.plan_urls(),
            *self.report_urls(),
            *super().get_urls(),
        ]
