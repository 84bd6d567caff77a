"""Stable identifiers of what the registry publishes, the same in every format (pages' data, exports, API, snapshot,
feed): a URN of one shape, `urn:tcr:<kind>:<key>`, that a relying party's program may store and compare for good.

The key is what never changes once published:
- a certificate's number, issued once (SNC-2026-0001): `urn:tcr:certificate:SNC-2026-0001`;
- a service's slug, frozen once the service is public (registry.providers.offerings.service_change_slug refuses a new
  one): `urn:tcr:service:nimbus-iaas`;
- a provider's slug, set at its creation and read-only afterwards: `urn:tcr:provider:nimbus`.
Names change (a renamed service keeps its URN); a withdrawn certificate keeps its URN in the archive.
"""

NAMESPACE = "urn:tcr"
KINDS = ("certificate", "service", "provider")


def certificate_urn(number: str) -> str:
    return f"{NAMESPACE}:certificate:{number}"


def service_urn(slug: str) -> str:
    return f"{NAMESPACE}:service:{slug}"


def provider_urn(slug: str) -> str:
    return f"{NAMESPACE}:provider:{slug}"


def parse(urn: str) -> tuple[str, str] | None:
    """(kind, key) of one of our URNs, or None when `urn` is not one (another namespace, an unknown kind, no key)."""
    prefix, _, rest = urn.partition(f"{NAMESPACE}:")
    kind, _, key = rest.partition(":")
    if prefix or kind not in KINDS or not key:
        return None
    return kind, key
