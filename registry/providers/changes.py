"""The one write that changes rows a live certificate covers: an accepted change notice's proposed record, applied.

Every other write refuses them (rules.change_controlled). Called by registry.certificates.changes inside the
acceptance's transaction, which checked who accepts; the rows change through the models' save and delete, so
django-simple-history keeps the rows as they were. Rows equal to a proposed one are kept as they are; the others go,
and the proposed ones missing are created.
"""

from decimal import Decimal

from registry.accounts import audit
from registry.certificates import records
from registry.certificates.choices import ChangeStatus
from registry.providers.models import Provider, Service, Shareholder, Site, ThirdParty


def _plain_row(obj, fields) -> dict:
    row = {name: records._plain(getattr(obj, name)) for name in fields if name != "relies_on"}
    if "relies_on" in fields:
        row["relies_on"] = obj.relies_on_service.slug if obj.relies_on_service_id else None
    return row


def _match(existing, proposed_rows, fields, build) -> dict:
    """Keep the existing rows equal to a proposed row, create the other proposed rows, delete the rest."""
    left = list(existing)
    counts = {"added": 0, "removed": 0}
    for row in proposed_rows:
        same = next((obj for obj in left if _plain_row(obj, fields) == row), None)
        if same is not None:
            left.remove(same)
            continue
        obj = build(row)
        obj.full_clean()
        obj.save()
        counts["added"] += 1
    for obj in left:
        obj.delete()
        counts["removed"] += 1
    return counts


def _third_party(service, row) -> ThirdParty:
    relies_on = Service.objects.filter(slug=row["relies_on"]).first() if row.get("relies_on") else None
    values = {k: v for k, v in row.items() if k != "relies_on"}
    return ThirdParty(service=service, relies_on_service=relies_on, **values)


def _shareholder(provider, row) -> Shareholder:
    decimals = {k: Decimal(str(row[k])) for k in ("capital_percent", "voting_percent")}
    return Shareholder(provider=provider, **(row | decimals))


def apply_change(*, notice, by) -> None:
    """Make the live rows say what `notice` (accepted, locked by the caller) proposed."""
    if notice.status != ChangeStatus.ACCEPTED:
        raise ValueError("Only an accepted change notice changes the certified rows.")
    proposed = notice.proposed
    if notice.service_id:
        service = Service.objects.select_for_update().get(pk=notice.service_id)
        # A notice proposed before a field existed (description_fr) leaves that field as it is.
        fields = ("name", "service_model", "description", "description_fr")
        values = {k: proposed["service"][k] for k in fields if k in proposed["service"]}
        changed = [k for k, v in values.items() if getattr(service, k) != v]
        for name in changed:
            setattr(service, name, values[name])
        if changed:
            service.full_clean(exclude=["provider", "slug"])
            service.save(update_fields=[*changed, "updated_at"])
        sites = _match(
            service.sites.all(), proposed["sites"], records.SITE_FIELDS, lambda row: Site(service=service, **row)
        )
        third_parties = _match(
            service.third_parties.select_related("relies_on_service"),
            proposed["third_parties"],
            records.THIRD_PARTY_FIELDS,
            lambda row: _third_party(service, row),
        )
        audit.record(
            "service.change_applied", actor=by, obj=service, notice=notice.reference, fields=changed,
            sites=sites, third_parties=third_parties,
        )  # fmt: skip
    else:
        provider = Provider.objects.select_for_update().get(pk=notice.provider_id)
        values = {k: proposed["provider"][k] for k in records.PROVIDER_FIELDS}
        changed = [k for k, v in values.items() if records._plain(getattr(provider, k)) != v]
        for name in changed:
            setattr(provider, name, values[name])
        if changed:
            provider.save(update_fields=changed)
        holders = _match(
            provider.shareholders.all(),
            proposed["shareholders"],
            records.SHAREHOLDER_FIELDS,
            lambda row: _shareholder(provider, row),
        )
        audit.record(
            "provider.change_applied", actor=by, obj=provider, notice=notice.reference, fields=changed,
            shareholders=holders,
        )  # fmt: skip
