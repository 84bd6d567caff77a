"""A dossier's findings exported as OSCAL from its page in the agency's workspace (registry.qualification.oscal_findings):
the assessment results, and the open non-conformities as a plan of action and milestones.

The same people as the dossier's page: the agency's groups (403 for other staff, the sign-in for anyone else), through
DossierPageMixin._dossier. Each download is in the audit log, as a document's is: the findings are confidential.
"""

import json

from django.contrib import messages
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from registry.accounts import audit
from registry.qualification import oscal_findings


def _download(document: dict, name: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class DossierOscalMixin:
    """For DossierAdmin (registry/agency/dossiers.py), after DossierPageMixin whose _dossier and _back it uses."""

    def oscal_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/oscal/assessment-results.json",
                wrap(self.oscal_results_view),
                name="registry_dossier_oscal_results",
            ),
            path("<int:pk>/oscal/poam.json", wrap(self.oscal_poam_view), name="registry_dossier_oscal_poam"),
        ]

    def oscal_results_view(self, request, pk):
        return require_safe(self._oscal_results)(request, pk)

    def _oscal_results(self, request, pk):
        dossier = self._dossier(request, pk)
        document = oscal_findings.assessment_results(
            dossier,
            oscal_findings.findings_of(dossier),
            started=oscal_findings.review_started(dossier),
            now=timezone.now(),
        )
        audit.record("dossier.oscal_export", request=request, obj=dossier, document="assessment-results")
        return _download(document, f"{dossier.reference}-assessment-results.json")

    def oscal_poam_view(self, request, pk):
        return require_safe(self._oscal_poam)(request, pk)

    def _oscal_poam(self, request, pk):
        dossier = self._dossier(request, pk)
        document = oscal_findings.plan_of_action(dossier, oscal_findings.findings_of(dossier), now=timezone.now())
        if document is None:
            messages.info(request, _("This dossier has no open non-conformity: there is no plan of action to export."))
            return self._back(dossier, "answers")
        audit.record("dossier.oscal_export", request=request, obj=dossier, document="poam")
        return _download(document, f"{dossier.reference}-poam.json")
