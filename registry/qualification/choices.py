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
    EVALUATION_REPORT = "evaluation_report", _("Evaluation report")
    OTHER = "other", _("Other")


class Recommendation(models.TextChoices):
    """What the instructing reviewer recommends when sending a dossier to decision; the committee reads it, the
    provider never does."""

    QUALIFY = "qualify", _("Qualify")
    CONDITIONS = "conditions", _("Qualify with conditions")
    REFUSE = "refuse", _("Refuse qualification")
