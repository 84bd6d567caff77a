"""Hand edits of the catalogue by the registry's administrators (in the agency's workspace): schemes, requirements and
evaluation centres.

A scheme and its requirements come from the catalogue file (`load_scheme`); these writes are the corrections made
between two loads, and the evaluation centres, which no file holds. Each writes an audit line; a change the public pages
show (a scheme's label, a centre's name) is published. What identifies an entry to the dossiers, certificates and the
catalogue file that refer to it is fixed (`fixed_fields`): the admin shows it read-only and these writes refuse it.
"""

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.accounts.permissions import actor_for
from registry.catalogue.models import EvaluationCenter, Requirement, Scheme
from registry.public.publication import publish_on_commit
from registry.qualification.workflow import ADMINISTRATORS, Refused

EDITABLE = {
    Scheme: (
        "code", "name", "version", "certificate_prefix", "validity_months", "surveillance_interval_months",
        "surveillance_grace_days", "individual_cap_percent", "collective_cap_percent", "declaration_threshold_percent",
        "required_document_kinds", "active",
    ),
    Requirement: (
        "scheme", "ref", "parent", "position", "title_en", "title_fr", "description_en", "description_fr",
        "service_models", "retired",
    ),
    EvaluationCenter: ("name", "country", "approval_reference", "active"),
}  # fmt: skip
# Shown on public pages: a scheme's label and a centre's name (the in-process list). Requirements are not.
PUBLIC = (Scheme, EvaluationCenter)


def may_edit_catalogue(actor) -> bool:
    return actor.in_group(ADMINISTRATORS)


def fixed_fields(obj) -> tuple:
    """What may no longer change on a saved entry, and why:
    - a scheme's code: the catalogue file and load_scheme know the scheme by it;
    - its name, version and certificate prefix, once a certificate was issued under it: printed on the certificate and
      in its public history, which an edit would rewrite;
    - a requirement's scheme and reference: the dossiers' answers and findings are to that requirement.
    """
    if obj.pk is None:
        return ()
    if isinstance(obj, Scheme):
        if obj.certificates.exists():
            return ("code", "name", "version", "certificate_prefix")
        return ("code",)
    if isinstance(obj, Requirement):
        return ("scheme", "ref")
    return ()


def _require_editor(by) -> None:
    if not may_edit_catalogue(actor_for(by)):
        raise Refused(_("Only a registry administrator can change the catalogue."))


def _check_fields(model, values) -> None:
    unknown = set(values) - set(EDITABLE[model])
    if unknown:
        raise TypeError(f"Unknown {model.__name__} fields: {unknown}")


def _published(model) -> None:
    if model in PUBLIC:
        publish_on_commit()


def catalogue_create(*, model, by, **values):
    """A new scheme, requirement or evaluation centre."""
    _require_editor(by)
    _check_fields(model, values)
    with transaction.atomic():
        obj = model(**values)
        obj.full_clean()
        obj.save()
        audit.record(f"{model._meta.model_name}.create", actor=by, obj=obj)
        _published(model)
    return obj


def catalogue_update(*, obj, by, **values):
    """Change a saved entry; its fixed fields (`fixed_fields`) are refused."""
    _require_editor(by)
    model = type(obj)
    _check_fields(model, values)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        changed = [name for name, value in values.items() if getattr(locked, name) != value]
        fixed = [name for name in changed if name in fixed_fields(locked)]
        if fixed:
            raise Refused(
                _(
                    "Dossiers, certificates or the catalogue file refer to these fields; "
                    "they can no longer change: %(fields)s."
                )
                % {"fields": ", ".join(str(model._meta.get_field(name).verbose_name) for name in fixed)}
            )
        if changed:
            for name in changed:
                setattr(locked, name, values[name])
            locked.full_clean()
            locked.save(update_fields=changed)
            audit.record(f"{model._meta.model_name}.update", actor=by, obj=locked, fields=changed)
            _published(model)
    return locked


def catalogue_delete(*, obj, by) -> None:
    """An entry made by mistake; one that dossiers or certificates refer to stays."""
    _require_editor(by)
    model = type(obj)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=obj.pk)
        audit.record(f"{model._meta.model_name}.delete", actor=by, obj=locked)
        try:
            with transaction.atomic():
                locked.delete()
        except ProtectedError as exc:
            raise Refused(_("Dossiers or certificates refer to this entry; it is kept.")) from exc
        _published(model)
