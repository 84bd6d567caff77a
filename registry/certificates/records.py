"""The certified record: what a certificate covers, as a plain dict kept on the certificate (CertifiedRecord).

capture() reads it from the provider's rows. While a certificate is live those rows change only through an accepted
change notice (the providers' writes refuse otherwise: providers.rules.change_controlled), so the public registry, which
reads the rows, always shows the latest certified version; CertifiedRecord keeps each version, with the change that
made it. The dict is JSON: countries as ISO codes, percentages as strings, lists in a stable order, so two captures of
the same rows are equal and a difference is a change.
"""

from django.db import transaction

# The parts of a record, in the order they are shown and compared.
SERVICE_FIELDS = ("name", "slug", "service_model", "description", "description_fr")
PROVIDER_FIELDS = (
    "legal_name",
    "registration_id",
    "registered_office_country",
    "central_administration_country",
    "principal_establishment_country",
)
SHAREHOLDER_FIELDS = ("name", "country", "capital_percent", "voting_percent", "veto_right", "appoints_board_majority")
SITE_FIELDS = ("role", "country", "city", "operations")
THIRD_PARTY_FIELDS = (
    "name",
    "kind",
    "country_of_control",
    "technical_access_to_data",
    "relies_on",
    "autonomy_evidence",
)


def _plain(value):
    """A field's value as JSON keeps it: countries by code, decimals as strings."""
    if value is None or isinstance(value, bool | int | str):
        return value
    code = getattr(value, "code", None)  # django-countries' Country
    if code is not None:
        return code or ""
    return str(value)


def _rows(objects, fields, **extra) -> list[dict]:
    rows = [{name: _plain(getattr(obj, name)) for name in fields if name not in extra} for obj in objects]
    for row, obj in zip(rows, objects, strict=True):
        for name, read in extra.items():
            row[name] = read(obj)
    return sorted(rows, key=lambda row: [str(row[name]) for name in fields])


# Fields added after records were first kept, blank in the versions written before (read those with upgraded()).
ADDED_LATER = {"service": {"description_fr": ""}, "scope_fr": ""}


def upgraded(record: dict) -> dict:
    """A record, or the parts a change notice proposes, with the fields it predates blank: an older version compares
    equal to the rows it was taken from."""
    out = dict(record)
    for part, default in ADDED_LATER.items():
        if isinstance(default, dict):
            if isinstance(out.get(part), dict):
                out[part] = {**default, **out[part]}
        elif part.removesuffix("_fr") in out:
            out.setdefault(part, default)
    return out


def capture(service, *, scope: str = "", scope_fr: str = "") -> dict:
    """The record of `service` as its rows say now, with the certificate's `scope` (in English and French)."""
    provider = service.provider
    return {
        "service": {name: _plain(getattr(service, name)) for name in SERVICE_FIELDS},
        "scope": scope,
        "scope_fr": scope_fr,
        "provider": {name: _plain(getattr(provider, name)) for name in PROVIDER_FIELDS},
        "shareholders": _rows(list(provider.shareholders.all()), SHAREHOLDER_FIELDS),
        "sites": _rows(list(service.sites.all()), SITE_FIELDS),
        "third_parties": _rows(
            list(service.third_parties.select_related("relies_on_service")),
            THIRD_PARTY_FIELDS,
            relies_on=lambda t: t.relies_on_service.slug if t.relies_on_service_id else None,
        ),
    }


def current(certificate):
    """The latest CertifiedRecord of `certificate`, or None for one issued before records were kept."""
    return certificate.records.order_by("-version").first()


def keep(certificate, *, change_notice=None):
    """Write the next version of `certificate`'s record from its service's rows as they are now (at issue; after an
    accepted change has been applied to the rows). Inside the caller's transaction."""
    from registry.certificates.models import Certificate, CertifiedRecord

    assert transaction.get_connection().in_atomic_block, "keep() runs inside the write that changes the record"
    Certificate.objects.select_for_update().filter(pk=certificate.pk).first()
    last = current(certificate)
    return CertifiedRecord.objects.create(
        certificate=certificate,
        version=(last.version + 1) if last else 1,
        content=capture(certificate.service, scope=certificate.scope, scope_fr=certificate.scope_fr),
        change_notice=change_notice,
    )
