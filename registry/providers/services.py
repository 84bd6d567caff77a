"""Every write on a provider: creation, profile, ownership, members and invitations."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for, forget_actor
from registry.providers import rules
from registry.providers.models import Invitation, Membership, Provider, Shareholder
from registry.public.publication import publish_on_commit
from registry.qualification.workflow import Refused

# Paths under /portal/ that a provider's slug must not shadow.
RESERVED_SLUGS = {"organisation", "invitations", "dossiers", "documents", "new", "account", "admin"}
PROFILE_FIELDS = (
    "legal_name", "registration_id", "website", "description",
    "registered_office_country", "central_administration_country", "principal_establishment_country",
)  # fmt: skip
SHAREHOLDER_FIELDS = ("name", "country", "capital_percent", "voting_percent", "veto_right", "appoints_board_majority")


def require_role(by, provider, *roles) -> str:
    role = actor_for(by).provider_role(provider.pk)
    if role not in roles:
        raise Refused(_("Your role in this organisation does not allow this."))
    return role


def _unique_slug(model, base: str, max_length: int = 80) -> str:
    base = (slugify(base) or "item")[: max_length - 4]
    slug, i = base, 2
    while slug in RESERVED_SLUGS or model.objects.filter(slug=slug).exists():
        slug, i = f"{base}-{i}", i + 1
    return slug


def provider_create(*, by, legal_name: str, **profile) -> Provider:
    """A new organisation, with the person creating it as its first owner."""
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown profile fields: {unknown}")
    try:
        with transaction.atomic():
            provider = Provider.objects.create(
                legal_name=legal_name.strip(), slug=_unique_slug(Provider, legal_name), **profile
            )
            Membership.objects.create(user=by, provider=provider, role=Membership.Role.OWNER)
    except IntegrityError as exc:
        raise Refused(_("An organisation with this legal name is already registered.")) from exc
    forget_actor(by)
    return provider


def provider_update(*, provider, by, **profile) -> Provider:
    require_role(by, provider, *rules.WRITERS)
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown profile fields: {unknown}")
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        changed = [name for name, value in profile.items() if getattr(locked, name) != value]
        for name in changed:
            setattr(locked, name, value if (value := profile[name]) is not None else "")
        if changed:
            try:
                with transaction.atomic():
                    locked.save(update_fields=changed)
            except IntegrityError as exc:
                raise Refused(_("An organisation with this legal name is already registered.")) from exc
            publish_on_commit()  # the legal name is in every public row of the provider's services
    return locked


def check_ownership_totals(rows) -> None:
    """Capital and voting rights each add up to at most 100 %. Raises ValidationError naming the total."""
    errors = []
    for field, label in (("capital_percent", _("share capital")), ("voting_percent", _("voting rights"))):
        total = sum((Decimal(row.get(field) or 0) for row in rows), Decimal(0))
        if total > 100:
            errors.append(
                _("The shareholders hold %(total)s %% of the %(what)s in all; the total cannot exceed 100 %%.")
                % {"total": format(total.normalize(), "f"), "what": label}
            )
    if errors:
        raise ValidationError(errors)


def shareholders_replace(*, provider, by, rows: list[dict]) -> list[Shareholder]:
    """Make the shareholders exactly `rows` (dicts of SHAREHOLDER_FIELDS, with "id" for an existing one).

    Each change goes to the history (19.6.f: changes affecting 19.6 are dated and kept).
    """
    require_role(by, provider, *rules.WRITERS)
    check_ownership_totals(rows)
    with transaction.atomic():
        Provider.objects.select_for_update().get(pk=provider.pk)
        existing = {s.pk: s for s in Shareholder.objects.filter(provider=provider)}
        kept = []
        for row in rows:
            shareholder = existing.pop(row["id"], None) if row.get("id") else None
            if row.get("id") and shareholder is None:
                raise Refused(_("A shareholder was changed by someone else meanwhile; reload the page."))
            shareholder = shareholder or Shareholder(provider=provider)
            values = {name: row[name] for name in SHAREHOLDER_FIELDS}
            if shareholder.pk is None or any(getattr(shareholder, k) != v for k, v in values.items()):
                for name, value in values.items():
                    setattr(shareholder, name, value)
                shareholder.full_clean()
                shareholder.save()
            kept.append(shareholder)
        for gone in existing.values():
            gone.delete()
    return kept


def invitation_create(*, provider, by, email: str, role: str) -> Invitation:
    require_role(by, provider, rules.OWNER)
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise Refused(_("Unknown role."))
    if Membership.objects.filter(provider=provider, user__email__iexact=email).exists():
        raise Refused(_("%(email)s is already a member of this organisation.") % {"email": email})
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(provider=provider, email=email, role=role, invited_by=by)
    except IntegrityError as exc:
        raise Refused(_("An invitation to %(email)s is already waiting.") % {"email": email}) from exc
    transaction.on_commit(lambda: send_invitation(invitation))
    return invitation


def send_invitation(invitation) -> None:
    context = {"invitation": invitation, "site_url": settings.SITE_URL}
    EmailMessage(
        render_to_string("emails/invitation_subject.txt", context).strip(),
        render_to_string("emails/invitation.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        [invitation.email],
    ).send()


def invitation_revoke(*, invitation, by) -> None:
    require_role(by, invitation.provider, rules.OWNER)
    if invitation.accepted_at:
        raise Refused(_("This invitation has already been accepted."))
    invitation.delete()


def invitation_accept(*, invitation, by) -> Membership:
    """Join with the invited role. Only the invited address may accept, once, before the invitation expires."""
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().select_related("provider").get(pk=invitation.pk)
        if locked.accepted_at:
            raise Refused(_("This invitation has already been used."))
        if locked.is_expired:
            raise Refused(_("This invitation has expired; ask the organisation's owner for a new one."))
        if by.email.lower() != locked.email.lower():
            raise Refused(
                _("This invitation was sent to %(email)s; sign in with that address to accept it.")
                % {"email": locked.email}
            )
        membership, created = Membership.objects.get_or_create(
            user=by, provider=locked.provider, defaults={"role": locked.role}
        )
        if not created:
            raise Refused(_("You are already a member of this organisation."))
        locked.accepted_at = timezone.now()
        locked.accepted_by = by
        locked.save(update_fields=["accepted_at", "accepted_by"])
    forget_actor(by)
    return membership


def _owners_left(provider, excluding) -> int:
    return Membership.objects.filter(provider=provider, role=Membership.Role.OWNER).exclude(pk=excluding.pk).count()


def membership_change_role(*, membership, by, role: str) -> Membership:
    require_role(by, membership.provider, rules.OWNER)
    if role not in Membership.Role.values:
        raise Refused(_("Unknown role."))
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("provider").get(pk=membership.pk)
        # Lock the provider's owners too, so that two owners demoting each other cannot leave none.
        list(Membership.objects.select_for_update().filter(provider=locked.provider, role=Membership.Role.OWNER))
        if (
            locked.role == Membership.Role.OWNER
            and role != Membership.Role.OWNER
            and not _owners_left(locked.provider, locked)
        ):
            raise Refused(_("The organisation needs at least one owner; name another owner first."))
        locked.role = role
        locked.save(update_fields=["role"])
    return locked


def membership_remove(*, membership, by) -> None:
    """An owner removes a member, or a member leaves. The last owner cannot go."""
    if membership.user_id != by.pk:
        require_role(by, membership.provider, rules.OWNER)
    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("provider").get(pk=membership.pk)
        list(Membership.objects.select_for_update().filter(provider=locked.provider, role=Membership.Role.OWNER))
        if locked.role == Membership.Role.OWNER and not _owners_left(locked.provider, locked):
            raise Refused(_("The last owner cannot leave the organisation; name another owner first."))
        locked.delete()


def provider_require_mfa(*, provider, by, required: bool) -> Provider:
    """An owner requires (or stops requiring) a second factor of every member of the organisation."""
    require_role(by, provider, rules.OWNER)
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        if locked.require_mfa != required:
            locked.require_mfa = required
            locked.save(update_fields=["require_mfa"])
    return locked
