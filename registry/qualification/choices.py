"""The states of a dossier, the kinds of its documents and the reviewer's recommendations to the committee."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    EVALUATION = "evaluation", _("In evaluation")
    DECISION = "decision", _("Awaiting decision")
    QUALIFIED = "qualified", _("Qualified")
    REJECTED = "rejected", _("Not qualified")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# A dossier in one of these states is over: a new one may be opened for the same service and scheme.
CLOSED_DOSSIER_STATUSES = (DossierStatus.QUALIFIED, DossierStatus.REJECTED, DossierStatus.WITHDRAWN)


class DocumentKind(models.TextChoices):
    SECURITY_POLICY = "security_policy", _("Information security policy")
    RISK_ANALYSIS = "risk_analysis", _("Risk analysis")
    EXTRA_EU_RISKS = "extra_eu_risks", _("Residual risks from extra-EU laws (5.3.d)")
    SERVICE_AGREEMENT = "service_agreement", _("Service agreement")
    EVIDENCE = "evidence", _("Evidence")
    EVALUATION_CONTRACT = "evaluation_contract", _("Evaluation contract")
    EVALUATION_REPORT = "evaluation_report", _("Evaluation report")
    OTHER = "other", _("Other")
    # After qualification: filed on the certificate's dossier, tied to the change notice, surveillance audit, condition
    # or incident they support (Document's foreign keys), never part of the dossier's own evidence.
    CHANGE_EVIDENCE = "change_evidence", _("Change notice evidence")
    SURVEILLANCE_REPORT = "surveillance_report", _("Surveillance audit report")
    CONDITION_EVIDENCE = "condition_evidence", _("Evidence that a condition is met")
    INCIDENT_REPORT = "incident_report", _("Incident report")


# The kinds above that belong to the certificate's life after the decision, not to the dossier's instruction.
AFTER_QUALIFICATION_DOCUMENT_KINDS = (
    DocumentKind.CHANGE_EVIDENCE,
    DocumentKind.SURVEILLANCE_REPORT,
    DocumentKind.CONDITION_EVIDENCE,
    DocumentKind.INCIDENT_REPORT,
)


class Recommendation(models.TextChoices):
    """What the instructing reviewer recommends when sending a dossier to decision; the committee reads it, the
    provider never does."""

    QUALIFY = "qualify", _("Qualify")
    CONDITIONS = "conditions", _("Qualify with conditions")
    REFUSE = "refuse", _("Refuse qualification")
