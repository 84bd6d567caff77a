"""Named reads of the catalogue."""

from registry.catalogue.models import Scheme


def current_scheme() -> Scheme | None:
    """The scheme open to applications, which the portal and the public pages measure against (the newest active one)."""
    return Scheme.objects.filter(active=True).order_by("-pk").first()
