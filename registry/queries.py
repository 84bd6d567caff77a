"""Named read queries shared by pages, the admin, the API and exports."""

from django.db.models import Q

from registry.models import Dossier
from registry.models.choices import DossierStatus as S
from registry.workflow import COMMITTEE, REVIEWERS


def dossiers_waiting_for(actor, queryset=None):
    """Dossiers on which this agency member has a move to make now.

    Mirrors the agency rows of registry.workflow.MOVES in SQL; tests/test_admin_dossiers.py checks the two agree.
    """
    qs = queryset if queryset is not None else Dossier.objects.all()
    condition = Q(pk__in=[])
    if actor.in_group(REVIEWERS):
        condition |= Q(status=S.SUBMITTED)
        condition |= Q(status__in=(S.IN_REVIEW, S.EVALUATION), instructing_reviewer_id=actor.user_id)
    if actor.in_group(COMMITTEE):
        condition |= Q(status=S.DECISION) & ~Q(instructing_reviewer_id=actor.user_id)
    return qs.filter(condition)


def current_scheme():
    """The scheme open to applications that portal pages measure against (the newest active one)."""
    from registry.models import Scheme

    return Scheme.objects.filter(active=True).order_by("-pk").first()


def provider_history(provider):
    """Every recorded change of the provider, its shareholders, services, sites and third parties, newest first.

    Each entry: when, who, what (object), kind (created / changed / deleted) and the changed fields with old and new
    values. A handful of queries whatever the length of the history: diffs are computed here, not per record.
    """
    from registry.models import Provider, Service, Shareholder, Site, ThirdParty

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
