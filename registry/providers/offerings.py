"""Every write on a provider's services: the offering itself, its sites (19.2) and its third parties (19.6.c-d).

Called by the portal and by the agency's workspace alike (see registry.providers.services).
"""

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.providers import rules
from registry.providers.choices import ServiceModel
from registry.providers.models import Service, Site, ThirdParty
from registry.providers.selectors import change_control_refusal, service_facts
from registry.providers.services import require_administrator, require_role, unique_slug
from registry.public.publication import publish_on_commit
from registry.qualification import sovereignty
from registry.qualification.workflow import Refused

SERVICE_FIELDS = ("name", "service_model", "description", "description_fr")  # description in English and French


def _refuse_under_change_control(service) -> None:
    """A certified service's rows change only through an accepted change notice (providers.rules.change_controlled)."""
    refusal = change_control_refusal(service=service)
    if refusal:
        raise Refused(refusal)


SITE_FIELDS = ("role", "country", "city", "operations")
THIRD_PARTY_FIELDS = (
    "name", "kind", "country_of_control", "technical_access_to_data", "relies_on_service", "autonomy_evidence",
)  # fmt: skip


def service_create(
    *, provider, by, name: str, service_model: str, description: str = "", description_fr: str = ""
) -> Service:
    require_role(by, provider, *rules.WRITERS)
    if service_model not in ServiceModel.values:
        raise Refused(_("Unknown service model."))
    try:
        with transaction.atomic():
            service = Service.objects.create(
                provider=provider,
                name=name.strip(),
                slug=unique_slug(Service, f"{provider.slug}-{name}", 120),
                service_model=service_model,
                description=description.strip(),
                description_fr=description_fr.strip(),
            )
            audit.record("service.create", actor=by, obj=service, provider=provider.slug, slug=service.slug)
            return service
    except IntegrityError as exc:
        raise Refused(_("Your organisation already has a service with this name.")) from exc


def service_update(*, service, by, **values) -> Service:
    require_role(by, service.provider, *rules.WRITERS)
    if set(values) - set(SERVICE_FIELDS):
        raise TypeError(f"Unknown service fields: {set(values) - set(SERVICE_FIELDS)}")
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        changed = [k for k, v in values.items() if getattr(locked, k) != v]
        if changed:
            _refuse_under_change_control(locked)
        for name in changed:
            setattr(locked, name, values[name])
        if changed:
            try:
                with transaction.atomic():
                    locked.save(update_fields=[*changed, "updated_at"])
            except IntegrityError as exc:
                raise Refused(_("Your organisation already has a service with this name.")) from exc
            audit.record("service.update", actor=by, obj=locked, fields=changed)
            publish_on_commit()  # a certified service's public row may have changed
    return locked


def service_change_slug(*, service, by, slug: str) -> Service:
    """A new address for a service that was never public (rules.service_slug_refusal)."""
    require_role(by, service.provider, *rules.WRITERS)
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        if slug == locked.slug:
            return locked
        _refuse_under_change_control(locked)
        Service._meta.get_field("slug").run_validators(slug)
        refusal = rules.service_slug_refusal(
            slug,
            published=service_facts(locked).slug_published,
            taken=Service.objects.filter(slug=slug).exclude(pk=locked.pk).exists(),
        )
        if refusal:
            raise Refused(refusal)
        audit.record("service.slug", actor=by, obj=locked, from_slug=locked.slug, to_slug=slug)
        locked.slug = slug
        locked.save(update_fields=["slug", "updated_at"])
        publish_on_commit()  # a public service relying on it links to it by this address
    return locked


def service_move(*, service, by, provider) -> Service:
    """The agency hands a service to another organisation (a merger, a mistake at creation): only one that has never
    been filed for qualification (rules.service_move_refusal)."""
    require_administrator(by)
    with transaction.atomic():
        locked = Service.objects.select_for_update().select_related("provider").get(pk=service.pk)
        if provider.pk == locked.provider_id:
            return locked
        # A certified service's own refusal says more than change control's (no notice moves a service either).
        refusal = service_facts(locked).move_refusal
        if refusal:
            raise Refused(refusal)
        _refuse_under_change_control(locked)
        audit.record(
            "service.move", actor=by, obj=locked, from_provider=locked.provider.slug, to_provider=provider.slug
        )
        locked.provider = provider
        try:
            with transaction.atomic():
                locked.save(update_fields=["provider", "updated_at"])
        except IntegrityError as exc:
            raise Refused(_("That provider already has a service with this name.")) from exc
        # Not published: a service never filed for qualification is on no public page.
    return locked


def service_delete(*, service, by) -> None:
    """A service created by mistake. One filed for qualification stays with its dossiers and certificates."""
    require_administrator(by)
    with transaction.atomic():
        locked = Service.objects.select_for_update().get(pk=service.pk)
        _refuse_under_change_control(locked)
        audit.record("service.delete", actor=by, obj=locked, slug=locked.slug)
        try:
            with transaction.atomic():
                locked.delete()
        except ProtectedError as exc:
            raise Refused(_("This service has qualification dossiers; it is kept with their history.")) from exc
        publish_on_commit()  # a public service that relied on it no longer names it


def _replace_children(*, model, service, rows, fields, extra_check=None):
    """Make the service's `model` rows exactly `rows`; returns them and whether anything changed."""
    existing = {obj.pk: obj for obj in model.objects.filter(service=service)}
    kept, counts = [], {"added": 0, "changed": 0, "removed": 0}
    for row in rows:
        obj = existing.pop(row["id"], None) if row.get("id") else None
        if row.get("id") and obj is None:
            raise Refused(_("This list was changed by someone else meanwhile; reload the page."))
        obj = obj or model(service=service)
        values = {name: row.get(name) for name in fields}
        if obj.pk is None or any(getattr(obj, k) != v for k, v in values.items()):
            counts["added" if obj.pk is None else "changed"] += 1
            for name, value in values.items():
                setattr(obj, name, value if value is not None or name == "relies_on_service" else "")
            if extra_check:
                extra_check(obj)
            obj.full_clean()
            obj.save()
        kept.append(obj)
    for gone in existing.values():
        gone.delete()
    counts["removed"] = len(existing)
    return kept, counts


def _replaced(action, *, service, by, counts) -> None:
    if any(counts.values()):
        _refuse_under_change_control(service)  # raised inside the write's transaction: the rows written roll back
        audit.record(action, actor=by, obj=service, **counts)
        publish_on_commit()  # data-location countries and dependencies are on the service's public page


def sites_replace(*, service, by, rows: list[dict]) -> list[Site]:
    """Make the service's sites exactly `rows` (dicts of SITE_FIELDS, "id" for existing ones); history is kept."""
    require_role(by, service.provider, *rules.WRITERS)
    with transaction.atomic():
        Service.objects.select_for_update().get(pk=service.pk)
        sites, counts = _replace_children(
            model=Site,
            service=service,
            rows=rows,
            fields=SITE_FIELDS,
            extra_check=sovereignty.require_listed_support_operations,  # 19.2.e
        )
        _replaced("service.sites", service=service, by=by, counts=counts)
        return sites


def third_parties_replace(*, service, by, rows: list[dict]) -> list[ThirdParty]:
    require_role(by, service.provider, *rules.WRITERS)

    def check(third_party):
        refusal = rules.third_party_refusal(
            service_id=service.pk, relies_on_service_id=third_party.relies_on_service_id
        )
        if refusal:
            raise Refused(refusal)

    with transaction.atomic():
        Service.objects.select_for_update().get(pk=service.pk)
        third_parties, counts = _replace_children(
            model=ThirdParty, service=service, rows=rows, fields=THIRD_PARTY_FIELDS, extra_check=check
        )
        _replaced("service.third_parties", service=service, by=by, counts=counts)
        return third_parties
