"""The provider's declaration loses its signature when what it vouched for changes.

Whether a change voids it is registry.qualification.rules.change_voids_declaration; this is the write that follows.
Signing it is registry.qualification.services.dossiers.dossier_declare.
"""

DECLARATION_FIELDS = ["declared_at", "declared_by", "declared_by_name", "declared_by_capacity"]


def void_declaration(dossier, *, save: bool = True) -> list[str]:
    """Clear the signature of a (locked) dossier; returns the fields changed, for a caller that saves them itself."""
    dossier.declared_at = None
    dossier.declared_by = None
    dossier.declared_by_name = ""
    dossier.declared_by_capacity = ""
    if save:
        dossier.save(update_fields=DECLARATION_FIELDS)
    return list(DECLARATION_FIELDS)
