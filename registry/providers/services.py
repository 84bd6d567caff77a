"""Every write on a provider: creation, profile, ownership, members and invitations.

The portal (the organisation's members) and the agency's workspace (registry administrators, in the admin) call the
same functions, so the rules (registry.providers.rules), the audit line and the publication are applied once, here.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from registry.accounts import audit
from registry.accounts.permissions import actor_for, forget_actor
from registry.notifications import outbox
from registry.notifications.outbox import Email
from registry.providers import rules
from registry.providers.models import Invitation, Membership, Provider, Shareholder
from registry.providers.selectors import change_control_refusal
from registry.public.publication import publish_on_commit
from registry.qualification.workflow import Refused

PROFILE_FIELDS = (
    "legal_name", "registration_id", "website", "description", "description_fr",
    "registered_office_country", "central_administration_country", "principal_establishment_country",
)  # fmt: skip
SHAREHOLDER_FIELDS = ("name", "country", "capital_percent", "voting_percent", "veto_right", "appoints_board_majority")


def require_role(by, provider, *roles) -> None:
    """A member with one of `roles`, or a registry administrator; anyone else is refused."""
    if not rules.acts_for(actor_for(by), provider.pk, roles):
        raise Refused(_("Your role in this organisation does not allow this."))


def require_administrator(by) -> None:
    if not rules.is_registry_administrator(actor_for(by)):
        raise Refused(_("Only a registry administrator can do this."))


def unique_slug(model, base: str, max_length: int = 80) -> str:
    base = (slugify(base) or "item")[: max_length - 4]
    slug, i = base, 2
    while rules.is_reserved_slug(slug) or model.objects.filter(slug=slug).exists():
        slug, i = f"{base}-{i}", i + 1
    return slug


def _check_profile_fields(profile) -> None:
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown profile fields: {unknown}")


def _new_provider(*, by, legal_name: str, profile: dict) -> Provider:
    provider = Provider.objects.create(legal_name=legal_name.strip(), slug=unique_slug(Provider, legal_name), **profile)
    audit.record("provider.create", actor=by, obj=provider, slug=provider.slug)
    return provider


def refuse_an_evaluator(by) -> None:
    """Independence the other way round (registry.evaluation.rules.acceptance_refusal refuses a provider's member as an
    evaluator): a person who evaluates for a centre, even one whose access ended, never joins a provider."""
    from registry.evaluation.models import Evaluator  # the evaluation context reads the providers': imported here

    if Evaluator.objects.filter(user_id=by.pk).exists():
        raise Refused(
            _(
                "Your account evaluates for an evaluation centre, and evaluation centres are independent of the "
                "providers they evaluate: it cannot join an organisation. Use another account."
            )
        )


def provider_create(*, by, legal_name: str, **profile) -> Provider:
    """A new organisation, with the person creating it as its first owner."""
    _check_profile_fields(profile)
    refuse_an_evaluator(by)
    try:
        with transaction.atomic():
            provider = _new_provider(by=by, legal_name=legal_name, profile=profile)
            Membership.objects.create(user=by, provider=provider, role=Membership.Role.OWNER)
    except IntegrityError as exc:
        raise Refused(_("An organisation with this legal name is already registered.")) from exc
    forget_actor(by)
    return provider


def provider_register(*, by, legal_name: str, owner_email: str, **profile) -> Provider:
    """The agency registers an organisation on someone's behalf: its first owner is invited by e-mail, and it has no
    member until they accept (the administrator never becomes one)."""
    require_administrator(by)
    _check_profile_fields(profile)
    try:
        with transaction.atomic():
            provider = _new_provider(by=by, legal_name=legal_name, profile=profile)
            invitation_create(provider=provider, by=by, email=owner_email, role=rules.OWNER)
    except IntegrityError as exc:
        raise Refused(_("An organisation with this legal name is already registered.")) from exc
    return provider


def provider_update(*, provider, by, **profile) -> Provider:
    require_role(by, provider, *rules.WRITERS)
    _check_profile_fields(profile)
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        changed = [name for name, value in profile.items() if getattr(locked, name) != value]
        if set(changed) & set(rules.CONTROLLED_PROVIDER_FIELDS):
            _refuse_under_change_control(locked)
        for name in changed:
            setattr(locked, name, value if (value := profile[name]) is not None else "")
        if changed:
            try:
                with transaction.atomic():
                    locked.save(update_fields=changed)
            except IntegrityError as exc:
                raise Refused(_("An organisation with this legal name is already registered.")) from exc
            audit.record("provider.update", actor=by, obj=locked, fields=changed)
            publish_on_commit()  # the legal name is in every public row of the provider's services
    return locked


def provider_delete(*, provider, by) -> None:
    """An organisation registered by mistake, before it has any service: its members, shareholders and invitations go
    with it (their history stays). One with services stays, for their dossiers' and certificates' sake."""
    require_administrator(by)
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        if locked.services.exists():
            raise Refused(_("An organisation with services cannot be deleted."))
        audit.record("provider.delete", actor=by, obj=locked, slug=locked.slug)
        locked.delete()


def provider_require_mfa(*, provider, by, required: bool) -> Provider:
    """An owner requires (or stops requiring) a second factor of every member of the organisation."""
    require_role(by, provider, rules.OWNER)
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        if locked.require_mfa != required:
            locked.require_mfa = required
            locked.save(update_fields=["require_mfa"])
            audit.record("provider.require_mfa", actor=by, obj=locked, required=required)
    return locked


def _refuse_under_change_control(provider) -> None:
    """The organisation's certified fields and shareholders change only through an accepted change notice while a
    live certificate covers one of its services (rules.change_controlled)."""
    refusal = change_control_refusal(provider=provider)
    if refusal:
        raise Refused(refusal)


# Ownership (19.6.b); its history is kept for 19.6.f.


def _check_ownership_totals(rows) -> None:
    """Raises ValidationError naming each total above 100 % (rules.ownership_totals_refusals)."""
    refusals = rules.ownership_totals_refusals(rows)
    if refusals:
        raise ValidationError(refusals)


def shareholders_replace(*, provider, by, rows: list[dict]) -> list[Shareholder]:
    """Make the shareholders exactly `rows` (dicts of SHAREHOLDER_FIELDS, with "id" for an existing one), checked as a
    whole. Each change goes to the history (19.6.f: changes affecting 19.6 are dated and kept)."""
    require_role(by, provider, *rules.WRITERS)
    _check_ownership_totals(rows)
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        existing = {s.pk: s for s in Shareholder.objects.filter(provider=provider)}
        kept, added, changed = [], 0, 0
        for row in rows:
            shareholder = existing.pop(row["id"], None) if row.get("id") else None
            if row.get("id") and shareholder is None:
                raise Refused(_("A shareholder was changed by someone else meanwhile; reload the page."))
            shareholder = shareholder or Shareholder(provider=provider)
            values = {name: row[name] for name in SHAREHOLDER_FIELDS}
            if shareholder.pk is None or any(getattr(shareholder, k) != v for k, v in values.items()):
                added, changed = (added + 1, changed) if shareholder.pk is None else (added, changed + 1)
                for name, value in values.items():
                    setattr(shareholder, name, value)
                shareholder.full_clean()
                shareholder.save()
            kept.append(shareholder)
        for gone in existing.values():
            gone.delete()
        if added or changed or existing:
            _refuse_under_change_control(locked)  # inside the transaction: the rows written roll back
            audit.record(
                "provider.shareholders", actor=by, obj=locked, added=added, changed=changed, removed=len(existing)
            )
    return kept


def _as_row(shareholder) -> dict:
    return {"id": shareholder.pk, **{name: getattr(shareholder, name) for name in SHAREHOLDER_FIELDS}}


def shareholder_save(*, provider, by, shareholder=None, **values) -> Shareholder:
    """One shareholder added (`shareholder` None) or changed, as the agency's admin edits one at a time: the totals
    are checked over all the provider's shareholders, as the portal's whole list is."""
    if set(values) != set(SHAREHOLDER_FIELDS):
        raise TypeError(f"Shareholder fields expected: {SHAREHOLDER_FIELDS}")
    with transaction.atomic():
        Provider.objects.select_for_update().get(pk=provider.pk)
        rows = [
            _as_row(s)
            for s in Shareholder.objects.filter(provider=provider).exclude(pk=getattr(shareholder, "pk", None))
        ]
        rows.append({**values, "id": shareholder.pk if shareholder is not None else None})
        return shareholders_replace(provider=provider, by=by, rows=rows)[-1]


def shareholder_remove(*, shareholder, by) -> None:
    provider = shareholder.provider
    with transaction.atomic():
        Provider.objects.select_for_update().get(pk=provider.pk)
        rows = [_as_row(s) for s in Shareholder.objects.filter(provider=provider).exclude(pk=shareholder.pk)]
        shareholders_replace(provider=provider, by=by, rows=rows)


# Members and invitations.


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
            send_invitation(invitation)
    except IntegrityError as exc:
        raise Refused(_("An invitation to %(email)s is already waiting.") % {"email": email}) from exc
    audit.record("invitation.create", actor=by, obj=provider, email=email, role=role)
    return invitation


def send_invitation(invitation) -> None:
    """Written to the outbox with the invitation, sent after the commit: a mail server down never undoes it."""
    context = {"invitation": invitation, "site_url": settings.SITE_URL}
    email = Email(
        to=[invitation.email],
        subject=render_to_string("emails/invitation_subject.txt", context).strip(),
        body=render_to_string("emails/invitation.txt", context),
        kind="invitation",
    )
    outbox.send_on_commit(f"invitation:{invitation.pk}", [email])


def invitation_revoke(*, invitation, by) -> None:
    require_role(by, invitation.provider, rules.OWNER)
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at:
            raise Refused(_("This invitation has already been accepted."))
        audit.record("invitation.revoke", actor=by, obj=invitation.provider, email=locked.email)
        locked.delete()


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
        refuse_an_evaluator(by)
        membership, created = Membership.objects.get_or_create(
            user=by, provider=locked.provider, defaults={"role": locked.role}
        )
        if not created:
            raise Refused(_("You are already a member of this organisation."))
        locked.accepted_at = timezone.now()
        locked.accepted_by = by
        locked.save(update_fields=["accepted_at", "accepted_by"])
        audit.record("invitation.accept", actor=by, obj=locked.provider, role=locked.role)
    forget_actor(by)
    return membership


def _locked_with_owners(membership) -> tuple[Membership, int]:
    """The membership, locked with the provider's owners (so that two owners stepping down at once cannot leave
    none), and how many other owners there are."""
    locked = Membership.objects.select_for_update().select_related("provider", "user").get(pk=membership.pk)
    owners = Membership.objects.select_for_update().filter(provider=locked.provider, role=Membership.Role.OWNER)
    return locked, sum(1 for owner in owners if owner.pk != locked.pk)


def membership_change_role(*, membership, by, role: str) -> Membership:
    require_role(by, membership.provider, rules.OWNER)
    if role not in Membership.Role.values:
        raise Refused(_("Unknown role."))
    with transaction.atomic():
        locked, other_owners = _locked_with_owners(membership)
        refusal = rules.last_owner_refusal(role=locked.role, new_role=role, other_owners=other_owners)
        if refusal:
            raise Refused(refusal)
        if locked.role != role:
            audit.record(
                "membership.role", actor=by, obj=locked.provider, member=locked.user.email, from_role=locked.role,
                to_role=role,
            )  # fmt: skip
            locked.role = role
            locked.save(update_fields=["role"])
    return locked


def membership_remove(*, membership, by) -> None:
    """An owner removes a member, or a member leaves. The last owner cannot go."""
    if membership.user_id != by.pk:
        require_role(by, membership.provider, rules.OWNER)
    with transaction.atomic():
        locked, other_owners = _locked_with_owners(membership)
        refusal = rules.last_owner_refusal(role=locked.role, new_role=None, other_owners=other_owners)
        if refusal:
            raise Refused(refusal)
        audit.record("membership.remove", actor=by, obj=locked.provider, member=locked.user.email, role=locked.role)
        locked.delete()
