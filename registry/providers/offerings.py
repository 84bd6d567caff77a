"""Every write on a provider's services: the offering itself, its sites (19.2) and its third parties (19.6.c-d)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from registry.providers import rules
from registry.providers.choices import ServiceModel
from registry.providers.models import Service, Site, ThirdParty
from registry.providers.services import _unique_slug, require_role
from registry.public.publication import publish_on_commit
from registry.qualification.workflow import Refused

SERVICE_FIELDS = ("name", "service_model", "description")
SITE_FIELDS = ("role", "country", "city", "operations")
THIRD_PARTY_FIELDS = (
    "name", "kind", "country_of_control", "technical_access_to_data", "relies_on_service", "autonomy_evidence",
)  # fmt: skip


def service_create(*, provider, by, name: str, service_model: str, description: str = "") -> Service:
    require_role(by, provider, *rules.WRITERS)
    if service_model not in ServiceModel.values:
        raise Refused(_("Unknown service model."))
    try:
        with transaction.atomic():
            return Service.objects.create(
                provider=provider,
                name=name.strip(),
                slug=_unique_slug(Service, f"{provider.slug}-{name}", 120),
                service_model=service_model,
                description=description.strip(),
            )
    except IntegrityError as exc:
        raise Refused(_("Your organisation already has a service with this name.")) from exc


def service_update(*, service, by, **values) -> Service:
    require_role(by, service.provider, *rules.WRITERS)
    if set(values) - set(SERVICE_FIELDS):
        raise TypeError(f"Unknown service fields: {set(values) - set(SERVICE_FIELDS)}")
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        changed = [k for k, v in values.items() if getattr(locked, k) != v]
        for name in changed:
            setattr(locked, name, values[name])
        if changed:
            try:
                with transaction.atomic():
                    locked.save(update_fields=[*changed, "updated_at"])
            except IntegrityError as exc:
                raise Refused(_("Your organisation already has a service with this name.")) from exc
            publish_on_commit()  # a certified service's public row may have changed
    return locked


def _replace_children(*, model, service, rows, fields, extra_check=None):
    existing = {obj.pk: obj for obj in model.objects.filter(service=service)}
    kept = []
    for row in rows:
        obj = existing.pop(row["id"], None) if row.get("id") else None
        if row.get("id") and obj is None:
            raise Refused(_("This list was changed by someone else meanwhile; reload the page."))
        obj = obj or model(service=service)
        values = {name: row.get(name) for name in fields}
        if obj.pk is None or any(getattr(obj, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(obj, name, value if value is not None or name == "relies_on_service" else "")
            if extra_check:
                extra_check(obj)
            obj.full_clean()
            obj.save()
        kept.append(obj)
    for gone in existing.values():
        gone.delete()
    return kept


def sites_replace(*, service, by, rows: list[dict]) -> list[Site]:
    """Make the service's sites exactly `rows` (dicts of SITE_FIELDS, "id" for existing ones); history is kept."""
    require_role(by, service.provider, *rules.WRITERS)
    with transaction.atomic():
        Service.objects.select_for_update().get(pk=service.pk)
        sites = _replace_children(model=Site, service=service, rows=rows, fields=SITE_FIELDS)
        publish_on_commit()  # data-location countries are public
        return sites


def third_parties_replace(*, service, by, rows: list[dict]) -> list[ThirdParty]:
    require_role(by, service.provider, *rules.WRITERS)

    def check(third_party):
        if third_party.relies_on_service_id == service.pk:
            raise Refused(_("A service cannot rely on itself."))

    with transaction.atomic():
        Service.objects.select_for_update().get(pk=service.pk)
        return _replace_children(
            model=ThirdParty, service=service, rows=rows, fields=THIRD_PARTY_FIELDS, extra_check=check
        )
