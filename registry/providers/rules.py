"""The organisation's rules, as pure functions: who among its members may do what, who owns it, what it may declare
and which of its addresses are fixed. Services, views, the admin and templates ask these; none of them spells a role,
a total or a reserved word out again.

`actor` is the workflow's view of a person (registry.accounts.permissions.actor_for): their role in each provider and
their agency groups. A function named `..._refusal` returns the sentence a person reads when the rule says no, else
None; the services raise it, the faces show it, so the portal and the agency's workspace say the same words.
"""

from decimal import Decimal

from django.utils.translation import gettext as _

from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES

# Membership.Role's values, here without the model so that the workflow table stays pure.
OWNER, EDITOR, VIEWER = "owner", "editor", "viewer"
# Owners and editors describe the organisation, its services and its dossiers; viewers only read.
WRITERS = (OWNER, EDITOR)

# Paths under /portal/ that a provider's slug would shadow (registry/portal/urls.py), and /services/new/ under it.
RESERVED_SLUGS = frozenset({"organisation", "invitations", "dossiers", "documents", "new", "account", "admin"})

OWNERSHIP_TOTALS = ("capital_percent", "voting_percent")


def is_writer(actor, provider_id) -> bool:
    """May this person change the organisation's profile, services and dossiers?"""
    return actor.provider_role(provider_id) in WRITERS


def is_owner(actor, provider_id) -> bool:
    """May this person manage members, withdraw a dossier and require a second factor?"""
    return actor.provider_role(provider_id) == OWNER


def is_registry_administrator(actor) -> bool:
    """The agency's registry administrators keep every organisation's record in the admin, as its owners would."""
    from registry.qualification.workflow import ADMINISTRATORS  # the workflow table imports this module's roles

    return actor.in_group(ADMINISTRATORS)


def acts_for(actor, provider_id, roles) -> bool:
    """May this person make a change that the organisation's members with one of `roles` make?"""
    return actor.provider_role(provider_id) in roles or is_registry_administrator(actor)


def last_owner_refusal(*, role: str, new_role: str | None, other_owners: int) -> str | None:
    """An organisation always keeps an owner: its last owner neither leaves (`new_role` None) nor steps down."""
    if role != OWNER or new_role == OWNER or other_owners > 0:
        return None
    if new_role is None:
        return _("The last owner cannot leave the organisation; name another owner first.")
    return _("The organisation needs at least one owner; name another owner first.")


def ownership_totals_refusals(rows) -> list[str]:
    """Share capital and voting rights each add up to at most 100 % over all the shareholders (`rows`: dicts)."""
    labels = {"capital_percent": _("share capital"), "voting_percent": _("voting rights")}
    refusals = []
    for field in OWNERSHIP_TOTALS:
        total = sum((Decimal(row.get(field) or 0) for row in rows), Decimal(0))
        if total > 100:
            refusals.append(
                _("The shareholders hold %(total)s %% of the %(what)s in all; the total cannot exceed 100 %%.")
                % {"total": format(total.normalize(), "f"), "what": labels[field]}
            )
    return refusals


def is_reserved_slug(slug: str) -> bool:
    """Would this address shadow one of the portal's own pages?"""
    return slug in RESERVED_SLUGS


def service_slug_is_published(*, has_certificate: bool, listed_in_process: bool) -> bool:
    """A service's slug is its public address from its first certificate, or from the day its dossier was listed as
    in process, and for good: the registry's pages, feed, snapshots and relying parties' links hold it."""
    return has_certificate or listed_in_process


def service_slug_refusal(slug: str, *, published: bool, taken: bool) -> str | None:
    """Why a service may not take this address now. A provider's slug never changes once created (its members' links,
    the invitations sent and, from its first public service, the registry hold it): no write offers it."""
    if published:
        return _("This service's address is published in the registry; it cannot change.")
    if is_reserved_slug(slug):
        return _("This address is reserved for the portal's own pages; choose another one.")
    if taken:
        return _("Another service already has this address.")
    return None


def service_move_refusal(*, has_certificate: bool, has_dossier: bool) -> str | None:
    """A service stays with the organisation that filed for it: its certificates were issued to that organisation,
    and its dossiers hold that organisation's declarations and documents, which another's members must never read."""
    if has_certificate:
        return _("This service holds a certificate issued to its provider; it cannot move to another provider.")
    if has_dossier:
        return _("This service has a qualification dossier filed by its provider; it cannot move to another provider.")
    return None


def third_party_refusal(*, service_id, relies_on_service_id) -> str | None:
    if relies_on_service_id is not None and relies_on_service_id == service_id:
        return _("A service cannot rely on itself.")
    return None


# --- Change control (after qualification). ---

# The provider's fields a certificate covers (certificates.records.PROVIDER_FIELDS); its website and description are not.
CONTROLLED_PROVIDER_FIELDS = (
    "legal_name",
    "registration_id",
    "registered_office_country",
    "central_administration_country",
    "principal_establishment_country",
)


def change_controlled(certificate_statuses) -> bool:
    """Is a record under change control: does a live certificate (active or suspended) cover it? `certificate_statuses`:
    the statuses of the certificates of the service, or of every service of the organisation. Its covered rows then
    change only through an accepted change notice, so that the public registry always shows what was certified."""
    return any(status in LIVE_CERTIFICATE_STATUSES for status in certificate_statuses)


def change_control_refusal(certificate_statuses) -> str | None:
    """Why a direct edit of a record under change control is refused, and what to do instead."""
    if not change_controlled(certificate_statuses):
        return None
    return _(
        "A live certificate covers this: what it certifies changes only through a change notice, which the provider "
        "files from the portal (Propose a change) and the agency accepts."
    )
