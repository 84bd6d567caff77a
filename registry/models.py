"""Django's models module for the registry app: each bounded context owns its models (registry/<context>/models.py).

One Django app keeps one migration history, one set of table names and the permission codenames the agency's groups are
given ("registry.change_dossier"); importing every context's models here is what registers them with that app. Code
imports a model from its own context, never from here.
"""

from registry.accounts.models import AuditEvent, UserPreference
from registry.catalogue.models import EvaluationCenter, Requirement, Scheme
from registry.certificates.models import (
    Certificate,
    CertificateEvent,
    CertifiedRecord,
    ChangeNotice,
    Condition,
    Incident,
    IncidentUpdate,
    SurveillanceAudit,
)
from registry.core.models import Counter
from registry.evaluation.models import (
    EvaluationContract,
    EvaluationPlan,
    Evaluator,
    EvaluatorInvitation,
    TechnicalReport,
    Verdict,
)
from registry.notifications.models import DeliveryFailure, OutgoingEmail, Reminder
from registry.providers.models import Invitation, Membership, Provider, Service, Shareholder, Site, ThirdParty
from registry.public.models import (
    PublicEntry,
    PublicEntryCountry,
    PublicFigures,
    RegistrySnapshot,
    Subscription,
    TrustedListIssue,
)
from registry.public.webhook_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from registry.qualification.models import Answer, Document, Dossier, DossierEvent, DossierVisit, Message

__all__ = [
    "Answer",
    "AuditEvent",
    "Certificate",
    "CertificateEvent",
    "CertifiedRecord",
    "ChangeNotice",
    "Condition",
    "Counter",
    "DeliveryFailure",
    "Document",
    "Dossier",
    "DossierEvent",
    "EvaluationCenter",
    "EvaluationContract",
    "EvaluationPlan",
    "Evaluator",
    "EvaluatorInvitation",
    "Incident",
    "IncidentUpdate",
    "Invitation",
    "Membership",
    "DossierVisit",
    "Message",
    "OutgoingEmail",
    "Provider",
    "PublicEntry",
    "PublicEntryCountry",
    "PublicFigures",
    "RegistrySnapshot",
    "Reminder",
    "Requirement",
    "Scheme",
    "Service",
    "Shareholder",
    "Site",
    "Subscription",
    "TrustedListIssue",
    "SurveillanceAudit",
    "TechnicalReport",
    "ThirdParty",
    "UserPreference",
    "Verdict",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
