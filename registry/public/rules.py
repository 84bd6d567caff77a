"""Rules of what the public registry tells relying parties, shared by the pages and the API."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from registry.certificates import rules as certificate_rules
from registry.certificates.choices import CertificateStatus


def newest_certificate(certificates: Iterable):
    """The certificate a service is judged by: the latest issued (the latest created on the same day); None if none."""
    return max(certificates, key=lambda c: (c.issued_on, c.pk), default=None)


@dataclass(frozen=True)
class DependencyWarning:
    third_party: object
    service: object  # the qualified service relied on
    certificate: object | None  # its newest certificate, None when it holds none
    status: str | None  # that certificate's status on the day asked (certificate_rules.live_status)

    @property
    def status_display(self) -> str:
        return str(CertificateStatus(self.status).label) if self.status else ""


def dependency_warnings(third_parties: Iterable, certificates_of: Callable, day: datetime.date) -> list:
    """The qualified services these third parties provide (19.6.d) whose newest certificate is missing or not in force
        on `day`: relying parties must know. One warning per service relied on, by third party name (then id) whatever
    the order they come in, so the page and the API name the same third party.

        `certificates_of(service_id)`: the certificates of a service relied on, read by the caller (one query for all of
        them, or a prefetch)."""
    warnings, seen = [], set()
    for third_party in sorted(third_parties, key=lambda t: (t.name, t.pk)):
        service_id = third_party.relies_on_service_id
        if service_id is None or service_id in seen:
            continue
        seen.add(service_id)
        certificate = newest_certificate(certificates_of(service_id))
        if certificate is None or not certificate_rules.is_in_force(certificate, day):
            status = certificate_rules.live_status(certificate, day) if certificate is not None else None
            warnings.append(DependencyWarning(third_party, third_party.relies_on_service, certificate, status))
    return warnings
