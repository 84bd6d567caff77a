"""Who may see what. Other providers' objects answer 404, never 403, so their existence is not revealed."""

from django.http import Http404

from registry.providers import rules
from registry.providers.models import Membership
from registry.qualification.workflow import AGENCY_GROUPS, Actor


def actor_for(user) -> Actor:
    """The workflow's view of a user: agency groups and provider roles, read once and cached on the user object."""
    if user is None or not user.is_authenticated:
        return Actor(user_id=None)
    cached = getattr(user, "_registry_actor", None)
    if cached is not None:
        return cached
    groups = (
        frozenset(user.groups.filter(name__in=AGENCY_GROUPS).values_list("name", flat=True))
        if user.is_staff
        else frozenset()
    )
    roles = dict(Membership.objects.filter(user=user).values_list("provider_id", "role"))
    actor = Actor(
        user_id=user.pk, groups=groups, provider_roles=roles, name=user.get_full_name() or user.get_username()
    )
    user._registry_actor = actor
    return actor


def forget_actor(user) -> None:
    """Drop the cached Actor after a change of memberships, so the next check reads them again."""
    user.__dict__.pop("_registry_actor", None)


def provider_for(user, slug, *roles):
    """The provider `slug` if the user is a member (404 otherwise); 403 when their role is not among `roles`."""
    from django.core.exceptions import PermissionDenied

    from registry.providers.models import Provider

    if not user.is_authenticated:
        raise Http404("No such organisation.")
    try:
        provider = Provider.objects.get(slug=slug, memberships__user=user)
    except Provider.DoesNotExist as exc:
        raise Http404("No such organisation.") from exc
    role = actor_for(user).provider_role(provider.pk)
    if roles and role not in roles:
        raise PermissionDenied("Your role in this organisation does not allow this.")
    return with_membership(provider, user)


def with_membership(provider, user):
    """The provider, told what this member may do in it (for the portal's views and templates): `my_role` and its
    label, `may_write` and `is_owner`, each from registry.providers.rules."""
    actor = actor_for(user)
    provider.my_role = actor.provider_role(provider.pk)
    provider.my_role_label = Membership.Role(provider.my_role).label
    provider.may_write = rules.is_writer(actor, provider.pk)
    provider.is_owner = rules.is_owner(actor, provider.pk)
    return provider
