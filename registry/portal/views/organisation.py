"""The provider portal: organisation, ownership, members and services. Thin views: forms validate, services write."""

from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
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
from registry.providers.models import Invitation, Membership, Service, Shareholder
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
    )
    services = list(services)
    for service in services:
        service.has_open_dossier = any(d.is_open for d in service.all_dossiers)
    context = {
        "provider": provider,
        "services": services,
        "locations": sovereignty.check_locations(provider),
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
    }
    return render(request, "portal/service_form.html", context)
