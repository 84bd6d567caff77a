"""A scheme's requirements as an OSCAL catalog (NIST OSCAL 1.1.2, JSON): what relying parties' compliance tools read
instead of a spreadsheet (/registry/schemes/<code>/oscal-catalog.json).

Chapters (requirements with requirements under them) are groups, each requirement a control with its reference as
its label, its English title and statement, and its French title and statement as properties and parts of this
registry's own namespace (OSCAL has one language a document); the service models a requirement applies to are
properties; a retired requirement stays, marked withdrawn, so that an answer given against it still names a control.
The document is the same for the same scheme until it changes: its UUID is derived from the scheme's code, and
`last-modified` is the time of the registry's last public change (an edit of a scheme is one).
"""

import datetime
from collections import defaultdict

from django.conf import settings

# The vocabulary shared with the dossiers' OSCAL documents (registry.qualification.oscal_*), kept in one place.
from registry.catalogue.oscal import OSCAL_VERSION, UUID_NAMESPACE, control_id, namespace, timestamp, token, uuid_for
from registry.catalogue.oscal import prop as _prop

__all__ = ["OSCAL_VERSION", "UUID_NAMESPACE", "catalog", "namespace", "token"]


def catalog(scheme, last_modified: datetime.datetime) -> dict:
    """The OSCAL catalog of `scheme`'s requirements (every one, retired ones marked), in their order: one query."""
    requirements = list(scheme.requirements.order_by("position", "pk"))
    under = defaultdict(list)
    for requirement in requirements:
        under[requirement.parent_id].append(requirement)

    def control(requirement) -> dict:
        found = {
            "id": control_id(requirement.ref),
            "class": "chapter" if under[requirement.pk] else "requirement",
            "title": requirement.title_en,
            "props": _props(requirement),
        }
        parts = _parts(requirement)
        if parts:  # OSCAL allows no empty list
            found["parts"] = parts
        if under[requirement.pk]:
            found["controls"] = [control(child) for child in under[requirement.pk]]
        return found

    groups, loose = [], []
    for top in under[None]:
        if under[top.pk]:
            group = control(top)
            group["id"] = f"chapter-{token(top.ref)}"
            groups.append(group)
        else:
            loose.append(control(top))
    document = {
        "uuid": uuid_for(f"catalog:{scheme.code}"),
        "metadata": {
            "title": f"{scheme.name} {scheme.version}",
            "last-modified": timestamp(last_modified),
            "version": scheme.version,
            "oscal-version": OSCAL_VERSION,
            "props": [_prop("scheme-code", scheme.code)],
            "links": [{"href": settings.SITE_URL + "/", "rel": "alternate"}],
        },
    }
    if groups:
        document["groups"] = groups
    if loose:
        document["controls"] = loose
    return {"catalog": document}


def _props(requirement) -> list[dict]:
    props = [{"name": "label", "value": requirement.ref}]
    if requirement.title_fr:
        props.append(_prop("title-fr", requirement.title_fr))
    props += [_prop("service-model", model) for model in requirement.service_models or ()]
    if requirement.retired:
        props.append({"name": "status", "value": "withdrawn"})
    return props


def _parts(requirement) -> list[dict]:
    parts = []
    ident = control_id(requirement.ref)
    if requirement.description_en:
        parts.append({"id": f"{ident}_smt", "name": "statement", "prose": requirement.description_en})
    if requirement.description_fr:
        parts.append(
            {"id": f"{ident}_smt.fr", "name": "statement-fr", "ns": namespace(), "prose": requirement.description_fr}
        )
    return parts
