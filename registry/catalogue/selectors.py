"""Named reads of the catalogue."""

from registry.catalogue.models import EvaluationCenter, Scheme


def current_scheme() -> Scheme | None:
    """The scheme open to applications, which the portal and the public pages measure against (the newest active one)."""
    return Scheme.objects.filter(active=True).order_by("-pk").first()


def requirement_count(scheme: Scheme) -> int:
    """How many requirements of the scheme a provider answers in its self-assessment (chapters not counted)."""
    return scheme.requirements.filter(children__isnull=True).count()


def approved_centres():
    """The evaluation centres whose approval is in force: those a provider may choose for its evaluation."""
    return EvaluationCenter.objects.filter(active=True).order_by("name")
