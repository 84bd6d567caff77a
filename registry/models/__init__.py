from .certificates import Certificate, CertificateEvent
from .choices import CertificateStatus, DocumentKind, DossierStatus, ServiceModel
from .dossiers import Answer, Document, Dossier, DossierEvent, Message
from .numbering import Counter
from .operations import AuditEvent, DeliveryFailure, Reminder, UserPreference
from .providers import Invitation, Membership, Provider, Shareholder
from .publication import RegistrySnapshot, Subscription
from .schemes import EvaluationCenter, Requirement, Scheme
from .services import Service, Site, ThirdParty

__all__ = [
    "Answer",
    "AuditEvent",
    "Certificate",
    "CertificateEvent",
    "CertificateStatus",
    "Counter",
    "DeliveryFailure",
    "Document",
    "DocumentKind",
    "Dossier",
    "DossierEvent",
    "DossierStatus",
    "EvaluationCenter",
    "Invitation",
    "Membership",
    "Message",
    "Provider",
    "RegistrySnapshot",
    "Reminder",
    "Requirement",
    "Scheme",
    "Service",
    "ServiceModel",
    "Shareholder",
    "Site",
    "Subscription",
    "ThirdParty",
    "UserPreference",
]
