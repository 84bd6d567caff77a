"""What the public API's tests share: a certified service with its sites, a dossier listed as in process, a time in
Paris, and a GET of an API URL by name."""

import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from registry.providers.models import Site
from registry.qualification.models import Dossier, DossierEvent
from tests import factories as f

PARIS = ZoneInfo("Europe/Paris")


def certified(provider_obj=None, *, storage="FR", processing="DE", **kw):
    """A service with a storage and a processing site, certified (an active certificate unless told otherwise)."""
    service_kw = {key: kw.pop(key) for key in ("name", "slug", "service_model", "description") if key in kw}
    s = f.service(provider_obj, **service_kw)
    Site.objects.create(service=s, role=Site.Role.STORAGE, country=storage, city="Strasbourg")
    Site.objects.create(service=s, role=Site.Role.PROCESSING, country=processing, city="Frankfurt")
    Site.objects.create(service=s, role=Site.Role.SUPPORT, country="PT", city="Lisbon")
    return f.certificate(s, kw.pop("scheme_obj", None), **kw)


def in_process(service_obj, *, consent=True, status=Dossier.Status.EVALUATION):
    d = f.dossier(service_obj, status=status, listed_in_process_consent=consent)
    DossierEvent.objects.create(
        dossier=d, action="admit", from_status="in_review", to_status="evaluation", created_at=at(2026, 2, 20)
    )
    f.contract_validated(d, on=at(2026, 3, 2))  # in process from the contract's validation
    return d


def at(year, month, day, hour=12):
    return datetime.datetime(year, month, day, hour, tzinfo=PARIS)


def get(client, name, *args, **params):
    return client.get(reverse(f"api:{name}", args=args), params)
