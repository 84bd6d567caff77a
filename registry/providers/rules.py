"""The organisation's rules, as pure functions: who among its members may do what. Services, views, the admin and
templates ask these; none of them spells a role out again.

`actor` is the workflow's view of a person (registry.accounts.permissions.actor_for): their role in each provider.
"""

# Membership.Role's values, here without the model so that the workflow table stays pure.
OWNER, EDITOR, VIEWER = "owner", "editor", "viewer"
# Owners and editors describe the organisation, its services and its dossiers; viewers only read.
WRITERS = (OWNER, EDITOR)


def is_writer(actor, provider_id) -> bool:
    """May this person change the organisation's profile, services and dossiers?"""
    return actor.provider_role(provider_id) in WRITERS


def is_owner(actor, provider_id) -> bool:
    """May this person manage members, withdraw a dossier and require a second factor?"""
    return actor.provider_role(provider_id) == OWNER
