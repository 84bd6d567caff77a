"""Named reads of the providers' context."""

from dataclasses import dataclass

from registry.certificates.models import Certificate
from registry.providers import rules
from registry.providers.models import Provider, Service, Shareholder, Site, ThirdParty
from registry.qualification.models import Dossier


def provider_history(provider):
    """Every recorded change of the provider, its shareholders, services, sites and third parties, newest first.

    Each entry: when, who, what (object), kind (created / changed / deleted) and the changed fields with old and new
    values. A handful of queries whatever the length of the history: diffs are computed here, not per record.
    """
    sources = [
        (Provider.history.filter(id=provider.pk), ("legal_name", "registration_id", "website", "registered_office_country", "central_administration_country", "principal_establishment_country")),
        (Shareholder.history.filter(provider_id=provider.pk), ("name", "country", "capital_percent", "voting_percent", "veto_right", "appoints_board_majority")),
        (Service.history.filter(provider_id=provider.pk), ("name", "service_model", "description")),
        (Site.history.filter(service__provider_id=provider.pk), ("role", "country", "city", "operations")),
        (ThirdParty.history.filter(service__provider_id=provider.pk), ("name", "kind", "country_of_control", "technical_access_to_data", "relies_on_service_id", "autonomy_evidence")),
    ]  # fmt: skip
    entries = []
    for qs, fields in sources:
        previous = {}
        model = qs.model.instance_type
        on_service = model.__name__ in ("Site", "ThirdParty")
        records = qs.select_related("history_user", *(["service"] if on_service else []))
        for record in records.order_by("id", "history_date", "history_id"):
            before = previous.get(record.id)
            changes = []
            if before is not None and record.history_type == "~":
                for name in fields:
                    old, new = getattr(before, name), getattr(record, name)
                    if old != new:
                        label = model._meta.get_field(
                            name.removesuffix("_id") if name == "relies_on_service_id" else name
                        ).verbose_name
                        changes.append((label, old, new))
            previous[record.id] = record
            if record.history_type == "~" and not changes:
                continue
            entries.append(
                {
                    "when": record.history_date,
                    "who": record.history_user,
                    "model": model._meta.verbose_name,
                    "object": str(record.instance),
                    "service": record.service.name if on_service and record.service_id else "",
                    "kind": record.history_type,
                    "changes": changes,
                }
            )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


@dataclass(frozen=True)
class ServiceFacts:
    """What the organisation's rules (registry.providers.rules) need to know of a service's life in the registry."""

    has_certificate: bool
    has_dossier: bool
    listed_in_process: bool  # a dossier of it was admitted with the provider's consent to be listed as in process

    @property
    def slug_published(self) -> bool:
        return rules.service_slug_is_published(
            has_certificate=self.has_certificate, listed_in_process=self.listed_in_process
        )

    @property
    def move_refusal(self) -> str | None:
        return rules.service_move_refusal(has_certificate=self.has_certificate, has_dossier=self.has_dossier)


def service_facts(service) -> ServiceFacts:
    """Three EXISTS queries."""
    dossiers = Dossier.objects.filter(service=service)
    return ServiceFacts(
        has_certificate=Certificate.objects.filter(service=service).exists(),
        has_dossier=dossiers.exists(),
        # Listed once the agency validated its evaluation contract (registry.public.selectors.listed_in_process).
        listed_in_process=dossiers.filter(listed_in_process_consent=True, contracts__state="validated").exists(),
    )


def certificate_statuses(*, service=None, provider=None) -> list[str]:
    """The statuses of the certificates of `service`, or of every service of `provider`: what rules.change_controlled()
    reads. One query."""
    certificates = Certificate.objects.filter(service=service) if service is not None else None
    if certificates is None:
        certificates = Certificate.objects.filter(service__provider=provider)
    return list(certificates.values_list("status", flat=True).distinct())


def change_control_refusal(*, service=None, provider=None) -> str | None:
    return rules.change_control_refusal(certificate_statuses(service=service, provider=provider))
