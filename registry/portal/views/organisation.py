"""The provider portal: organisation, ownership, members and services. Thin views: forms validate, services write."""

from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.accounts.permissions import provider_for
from registry.catalogue.selectors import current_scheme
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES
from registry.certificates.models import Certificate
from registry.portal.forms.organisation import (
    InvitationForm,
    ProviderForm,
    RoleForm,
    ServiceForm,
    ShareholderFormSet,
    SiteFormSet,
    ThirdPartyFormSet,
)
from registry.providers import offerings
from registry.providers import services as providers
from registry.providers.models import Invitation, Membership, Service, Shareholder, Site, ThirdParty
from registry.providers.rules import CONTROLLED_PROVIDER_FIELDS, OWNER, WRITERS, change_controlled
from registry.providers.selectors import certificate_statuses, provider_history
from registry.qualification import sovereignty
from registry.qualification.models import Dossier
from registry.qualification.workflow import Refused


def _detached(instance):
    # A model form writes cleaned values onto its instance; it gets a copy, so the services compare against the saved state.
    return copy(instance)


def _form_errors_to_messages(request, exc):
    messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))


@login_required
def home(request):
    memberships = (
        Membership.objects.filter(user=request.user).select_related("provider").order_by("provider__legal_name")
    )
    invitations = Invitation.objects.filter(email__iexact=request.user.email, accepted_at__isnull=True).select_related(
        "provider", "invited_by"
    )
    if len(memberships) == 1 and not invitations:
        return redirect("portal:provider", memberships[0].provider.slug)
    return render(request, "portal/home.html", {"memberships": memberships, "invitations": invitations})


@login_required
def provider_new(request):
    form = ProviderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            provider = providers.provider_create(by=request.user, **data)
        except Refused as exc:
            form.add_error("legal_name", str(exc))
        else:
            messages.success(request, _("Your organisation is registered; you are its owner."))
            return redirect("portal:provider", provider.slug)
    return render(request, "portal/provider_new.html", {"form": form})


def next_task(provider, services, *, holders: bool, locations_known: bool):
    """Where "Continue" leads from an organisation page: the first task of the journey not done yet, as (url, label);
    None when there is nothing left to do here, or for a reader who may not write.

    Profile (19.6.a) → ownership (19.6.b) → a service → its sites and third parties (19.2, 19.6.c, 19.6.d) → its
    dossier. `services` carry check_counts and all_dossiers (provider_detail's prefetch)."""
    if not provider.may_write:
        return None
    if not locations_known:
        return reverse("portal:provider-edit", args=[provider.slug]), _("Complete the profile")
    if not holders:
        return reverse("portal:ownership", args=[provider.slug]), _("Declare the ownership")
    if not services:
        return reverse("portal:service-new", args=[provider.slug]), _("Add a service")
    for service in services:
        if service.check_counts[sovereignty.MISSING]:
            return reverse("portal:service", args=[provider.slug, service.slug]), _(
                "Declare the sites and third parties of %(service)s"
            ) % {"service": service.name}
    for service in services:
        open_dossier = next((d for d in service.all_dossiers if d.is_open), None)
        if open_dossier is not None:
            return reverse("portal:dossier", args=[open_dossier.reference]), _("Go on with dossier %(reference)s") % {
                "reference": open_dossier.reference
            }
    for service in services:
        if not service.all_dossiers and not service.live_certificates:
            return reverse("portal:dossier-new", args=[service.slug]), _("Start a dossier for %(service)s") % {
                "service": service.name
            }
    return None


def after_ownership(provider):
    """Where "Continue" leads from the ownership page: a service whose sites or third parties are not declared yet,
    else a new service when there is none, else the organisation's overview."""
    services = list(
        provider.services.order_by("name").annotate(
            has_sites=Exists(Site.objects.filter(service=OuterRef("pk"))),
            has_third_parties=Exists(ThirdParty.objects.filter(service=OuterRef("pk"))),
        )
    )
    undeclared = next((s for s in services if not (s.has_sites and s.has_third_parties)), None)
    if undeclared is not None:
        return reverse("portal:service", args=[provider.slug, undeclared.slug]), _(
            "Declare the sites and third parties of %(service)s"
        ) % {"service": undeclared.name}
    if not services:
        return reverse("portal:service-new", args=[provider.slug]), _("Add a service")
    return reverse("portal:provider", args=[provider.slug]), _("Services and dossiers")


def after_service(provider, service):
    """Where "Continue" leads from a service's page: its dossier in progress, else a new dossier (none yet and no
    certificate), else the organisation's overview."""
    dossiers = list(service.dossiers.order_by("-created_at"))
    open_dossier = next((d for d in dossiers if d.is_open), None)
    if open_dossier is not None:
        return reverse("portal:dossier", args=[open_dossier.reference]), _("Go on with dossier %(reference)s") % {
            "reference": open_dossier.reference
        }
    if not dossiers and provider.may_write and not service.certificates.exists():
        return reverse("portal:dossier-new", args=[service.slug]), _("Start a dossier for %(service)s") % {
            "service": service.name
        }
    return reverse("portal:provider", args=[provider.slug]), _("Services and dossiers")


@login_required
def provider_detail(request, slug):
    provider = provider_for(request.user, slug)
    services = provider.services.prefetch_related(
        Prefetch(
            "dossiers",
            queryset=Dossier.objects.select_related("scheme").order_by("-created_at"),
            to_attr="all_dossiers",
        ),
        Prefetch(
            "certificates",
            queryset=Certificate.objects.filter(status__in=LIVE_CERTIFICATE_STATUSES).select_related("scheme"),
            to_attr="live_certificates",
        ),
        "sites",
        "third_parties",
    )
    services = list(services)
    for service in services:
        service.has_open_dossier = any(d.is_open for d in service.all_dossiers)
        # The service's own checks (19.2, 19.6.c and d): what fails or is not declared yet, named on its card.
        results = [
            *sovereignty.check_sites(list(service.sites.all())),
            *sovereignty.check_third_parties(list(service.third_parties.all())),
        ]
        service.check_counts = sovereignty.tally(results)
        service.open_checks = [r for r in sovereignty.worst_first(results) if not r.passed]
    # Every check of the organisation itself (19.6.a and 19.6.b), failing ones first, each with its reason.
    scheme = current_scheme()
    holders = list(provider.shareholders.all())
    checks = [sovereignty.check_locations(provider)]
    if scheme is not None:
        checks += sovereignty.check_ownership(provider, scheme, holders)
    context = {
        "next_task": next_task(
            provider, services, holders=bool(holders), locations_known=checks[0].outcome != sovereignty.MISSING
        ),
        "provider": provider,
        "services": services,
        "checks": sovereignty.worst_first(checks),
        "check_counts": sovereignty.tally(checks),
        "member_count": provider.memberships.count(),
    }
    return render(request, "portal/provider_detail.html", context)


@login_required
def provider_edit(request, slug):
    provider = provider_for(request.user, slug, *WRITERS)
    form = ProviderForm(request.POST or None, instance=_detached(provider))
    controlled = change_controlled(certificate_statuses(provider=provider))
    for name in CONTROLLED_PROVIDER_FIELDS if controlled else ():
        form.fields[name].disabled = True  # certified: changed by a change notice; the rest stays editable here
    if request.method == "POST" and form.is_valid():
        try:
            providers.provider_update(provider=provider, by=request.user, **form.cleaned_data)
        except Refused as exc:
            form.add_error("legal_name", str(exc))
        else:
            messages.success(request, _("Profile saved."))
            return redirect("portal:provider", provider.slug)
    context = {
        "form": form,
        "provider": provider,
        "change_controlled": controlled,
    }
    return render(request, "portal/provider_form.html", context)


@login_required
def ownership(request, slug):
    provider = provider_for(request.user, slug)
    # Under change control the page shows the certified shareholders and leads to a change notice.
    controlled = change_controlled(certificate_statuses(provider=provider))
    may_edit = provider.may_write and not controlled
    queryset = Shareholder.objects.filter(provider=provider).order_by("-capital_percent", "name")
    formset = ShareholderFormSet(request.POST or None, queryset=queryset, prefix="holders")
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if formset.is_valid():
            try:
                providers.shareholders_replace(provider=provider, by=request.user, rows=formset.rows())
            except (Refused, ValidationError) as exc:
                _form_errors_to_messages(request, exc)
            else:
                messages.success(request, _("Ownership saved. The change is dated and kept in the history."))
                if "continue" in request.POST:
                    return redirect(after_ownership(provider)[0])
                return redirect("portal:ownership", provider.slug)
    scheme = current_scheme()
    holders = list(queryset)
    results = sovereignty.check_ownership(provider, scheme, holders) if scheme else []
    context = {
        "provider": provider,
        "formset": formset,
        "may_edit": may_edit,
        "results": results,
        "scheme": scheme,
        "holders": holders,
        "change_controlled": controlled,
        "next_task": after_ownership(provider),
    }
    return render(request, "portal/ownership.html", context)


@login_required
def history(request, slug):
    provider = provider_for(request.user, slug, OWNER)
    return render(request, "portal/history.html", {"provider": provider, "entries": provider_history(provider)})


@login_required
def members(request, slug):
    provider = provider_for(request.user, slug)
    form = InvitationForm(request.POST or None)
    if request.method == "POST":
        if not provider.is_owner:
            raise PermissionDenied
        if form.is_valid():
            try:
                providers.invitation_create(provider=provider, by=request.user, **form.cleaned_data)
            except Refused as exc:
                form.add_error("email", str(exc))
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
                return redirect("portal:members", provider.slug)
    context = {
        "provider": provider,
        "memberships": provider.memberships.select_related("user").order_by("user__email"),
        "invitations": provider.invitations.filter(accepted_at__isnull=True).select_related("invited_by"),
        "form": form,
        "roles": Membership.Role.choices,
        "is_owner": provider.is_owner,
    }
    return render(request, "portal/members.html", context)


@login_required
@require_POST
def member_role(request, slug, pk):
    provider = provider_for(request.user, slug, OWNER)
    membership = get_object_or_404(Membership, pk=pk, provider=provider)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
    else:
        try:
            providers.membership_change_role(membership=membership, by=request.user, role=form.cleaned_data["role"])
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Role of %(email)s changed.") % {"email": membership.user.email})
    return redirect("portal:members", provider.slug)


@login_required
@require_POST
def member_remove(request, slug, pk):
    provider = provider_for(request.user, slug)
    membership = get_object_or_404(Membership, pk=pk, provider=provider)
    leaving = membership.user_id == request.user.pk
    if not leaving and not provider.is_owner:
        raise PermissionDenied
    try:
        providers.membership_remove(membership=membership, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect("portal:members", provider.slug)
    if leaving:
        messages.success(request, _("You have left %(provider)s.") % {"provider": provider.legal_name})
        return redirect("portal:home")
    messages.success(request, _("%(email)s was removed.") % {"email": membership.user.email})
    return redirect("portal:members", provider.slug)


@login_required
@require_POST
def require_mfa(request, slug):
    provider = provider_for(request.user, slug, OWNER)
    required = request.POST.get("require_mfa") == "on"
    providers.provider_require_mfa(provider=provider, by=request.user, required=required)
    if required:
        messages.success(request, _("Every member now needs two-factor authentication to reach the portal."))
    else:
        messages.success(request, _("Two-factor authentication is no longer required of every member."))
    return redirect("portal:members", provider.slug)


@login_required
@require_POST
def invitation_revoke(request, slug, pk):
    provider = provider_for(request.user, slug, OWNER)
    invitation = get_object_or_404(Invitation, pk=pk, provider=provider)
    try:
        providers.invitation_revoke(invitation=invitation, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("portal:members", provider.slug)


@login_required
def invitation_accept(request, token):
    invitation = get_object_or_404(Invitation.objects.select_related("provider", "invited_by"), token=token)
    if request.method == "POST":
        try:
            providers.invitation_accept(invitation=invitation, by=request.user)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Welcome to %(provider)s.") % {"provider": invitation.provider.legal_name})
            return redirect("portal:provider", invitation.provider.slug)
    return render(request, "portal/invitation.html", {"invitation": invitation})


def _qualified_services():
    """Services that hold a live certificate: what a third party may point to as 'is itself qualified' (19.6.d)."""
    return (
        Service.objects.filter(certificates__status__in=LIVE_CERTIFICATE_STATUSES).select_related("provider").distinct()
    )


@login_required
def service_new(request, slug):
    provider = provider_for(request.user, slug, *WRITERS)
    form = ServiceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            service = offerings.service_create(provider=provider, by=request.user, **form.cleaned_data)
        except Refused as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _("Service created. Now declare where it runs and on whom it depends."))
            return redirect("portal:service", provider.slug, service.slug)
    return render(request, "portal/service_new.html", {"provider": provider, "form": form})


@login_required
def service_edit(request, slug, service_slug):
    provider = provider_for(request.user, slug)
    service = provider.services.filter(slug=service_slug).first()
    if service is None:
        raise Http404("No such service.")
    controlled = change_controlled(certificate_statuses(service=service))
    may_edit = provider.may_write and not controlled  # under change control: a change notice, not an edit
    data = request.POST if request.method == "POST" else None
    form = ServiceForm(data, instance=_detached(service))
    sites = SiteFormSet(data, queryset=service.sites.all(), prefix="sites")
    qualified = _qualified_services().exclude(pk=service.pk)
    third_parties = ThirdPartyFormSet(
        data,
        queryset=service.third_parties.select_related("relies_on_service"),
        prefix="third",
        form_kwargs={
            "qualified_services": qualified,
            "qualified_choices": [("", "---------"), *((s.pk, f"{s.name} ({s.provider})") for s in qualified)],
        },
    )
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid() and sites.is_valid() and third_parties.is_valid():
            try:
                with transaction.atomic():
                    offerings.service_update(service=service, by=request.user, **form.cleaned_data)
                    offerings.sites_replace(service=service, by=request.user, rows=sites.rows())
                    offerings.third_parties_replace(service=service, by=request.user, rows=third_parties.rows())
            except (Refused, ValidationError) as exc:
                _form_errors_to_messages(request, exc)
            else:
                messages.success(request, _("Service saved. Changes are dated and kept in the history."))
                if "continue" in request.POST:
                    return redirect(after_service(provider, service)[0])
                return redirect("portal:service", provider.slug, service.slug)
        else:
            messages.error(request, _("Some fields need your attention; nothing was saved yet."))
    context = {
        "provider": provider,
        "service": service,
        "form": form,
        "sites": sites,
        "third_parties": third_parties,
        "may_edit": may_edit,
        "change_controlled": controlled,
        "site_results": sovereignty.check_sites(list(service.sites.all())),
        "third_party_results": sovereignty.check_third_parties(list(service.third_parties.all())),
        "next_task": after_service(provider, service),
    }
    return render(request, "portal/service_form.html", context)
