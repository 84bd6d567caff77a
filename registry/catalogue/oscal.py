"""The OSCAL vocabulary every OSCAL document of the registry shares (NIST OSCAL 1.1.2, JSON): the version, the
UUIDs derived from stable names, a requirement's control id, this registry's own namespace for properties, and
where a scheme's catalog is published. The catalog itself is registry.public.oscal; the documents about a dossier
(component definition, assessment results, plan of action) are registry.qualification.oscal_*."""

import datetime
import re
import uuid

from django.conf import settings
from django.urls import reverse

OSCAL_VERSION = "1.1.2"
# UUIDs derived from stable names (a scheme's code, a dossier's reference, a requirement's ref): the same document
# exported twice keeps its UUIDs; another subject gets others.
UUID_NAMESPACE = uuid.UUID("5b0c6f3e-8d1a-4f6e-9a43-1f2d0c7e9b21")
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._-]")


def token(text: str) -> str:
    """An OSCAL token (a letter or underscore first, then letters, digits, dots, hyphens, underscores) from `text`."""
    return _NOT_TOKEN.sub("_", text)


def control_id(ref: str) -> str:
    """The id of the control that stands for the requirement `ref` in its scheme's catalog."""
    return f"req-{token(ref)}"


def statement_id(ref: str) -> str:
    """The id of the statement part of the requirement `ref`'s control (there when the requirement has a text)."""
    return f"{control_id(ref)}_smt"


def uuid_for(name: str) -> str:
    """A UUID (version 5) derived from `name`: the same name, the same UUID."""
    return str(uuid.uuid5(UUID_NAMESPACE, name))


def namespace() -> str:
    """The namespace of this registry's own properties and parts (the French texts, the service models): its site."""
    return f"{settings.SITE_URL}/ns/oscal"


def prop(name: str, value: str) -> dict:
    """A property in this registry's namespace."""
    return {"name": name, "ns": namespace(), "value": value}


def timestamp(moment: datetime.datetime) -> str:
    """An OSCAL date-time with its time zone, in UTC."""
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def catalog_path(scheme_code: str) -> str:
    return reverse("registry:scheme-oscal-catalog", args=[scheme_code])


def catalog_url(scheme_code: str) -> str:
    """Where the scheme's catalog is published: the `source` a component definition of this scheme names."""
    return settings.SITE_URL + catalog_path(scheme_code)
