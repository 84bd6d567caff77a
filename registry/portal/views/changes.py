"""The provider's change notices: while a live certificate covers a service or the organisation, its edit pages
become "propose a change": a draft notice's proposed record, edited with the same forms, compared with the certified
record and checked (19.6 / 19.2), then filed; the provider follows each notice's status and the agency's answer.
Owners and editors write; viewers read; other organisations' notices are 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.accounts.permissions import provider_for
from registry.certificates import change_rules, changes
from registry.certificates.change_selectors import change_checks, readable_difference
from registry.certificates.choices import ChangeStatus
from registry.certificates.models import ChangeNotice
from registry.portal.forms.changes import (
    FilingForm,
    NoticeDocumentForm,
    ProposedProviderForm,
    ShareholderRows,
    SiteRows,
    ThirdPartyRows,
)
from registry.portal.forms.organisation import ServiceForm
from registry.portal.views.organisation import _qualified_services
from registry.providers.models import Service
from registry.providers.rules import WRITERS
from registry.qualification.workflow import Refused


def _notice(provider, reference) -> ChangeNotice:
    notice = ChangeNotice.objects.select_related("service", "reviewer").filter(provider=provider, reference=reference)
    notice = notice.first()
    if notice is None:
        raise Http404("No such change notice.")
    return notice


@login_required
def change_list(request, slug):
    provider = provider_for(request.user, slug)
    notices = ChangeNotice.objects.filter(provider=provider).select_related("service").order_by("-created_at", "-pk")
    return render(request, "portal/change_list.html", {"provider": provider, "notices": notices})


@login_required
@require_POST
def change_new(request, slug):
    """Open (or reopen) a draft on a service (`service` posted) or on the organisation."""
    provider = provider_for(request.user, slug, *WRITERS)
    service = None
    if request.POST.get("service"):
        service = Service.objects.filter(provider=provider, slug=request.POST["service"]).first()
        if service is None:
            raise Http404("No such service.")
    try:
        notice = changes.notice_open(provider=provider, service=service, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect("portal:changes", provider.slug)
    return redirect("portal:change-notice", provider.slug, notice.reference)


def _service_forms(notice, data):
    proposed = notice.proposed
    qualified = _qualified_services().exclude(pk=notice.service_id)
    ids = dict(qualified.values_list("slug", "pk"))
    form = ServiceForm(data, initial=proposed["service"], prefix="svc")
    sites = SiteRows(data, initial=proposed["sites"], prefix="sites")
    third_parties = ThirdPartyRows(
        data,
        initial=[row | {"relies_on_service": ids.get(row.get("relies_on"))} for row in proposed["third_parties"]],
        prefix="third",
        form_kwargs={
            "qualified_services": qualified,
            "qualified_choices": [("", "---------"), *((s.pk, f"{s.name} ({s.provider})") for s in qualified)],
        },
    )
    return {"form": form, "sites": sites, "third_parties": third_parties}


def _provider_forms(notice, data):
    return {
        "form": ProposedProviderForm(data, initial=notice.proposed["provider"], prefix="org"),
        "shareholders": ShareholderRows(data, initial=notice.proposed["shareholders"], prefix="holders"),
    }


def _save_proposal(request, notice, forms) -> bool:
    if not all(f.is_valid() for f in forms.values()):
        messages.error(request, _("Some fields need your attention; nothing was saved yet."))
        return False
    try:
        if notice.service_id:
            changes.notice_propose_service(
                notice=notice,
                by=request.user,
                values=forms["form"].cleaned_data,
                sites=forms["sites"].rows(),
                third_parties=forms["third_parties"].rows(),
            )
        else:
            changes.notice_propose_provider(
                notice=notice,
                by=request.user,
                profile=forms["form"].cleaned_data,
                shareholders=forms["shareholders"].rows(),
            )
    except (Refused, ValidationError) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        return False
    messages.success(request, _("Proposed record saved. Check the difference, then file the notice."))
    return True


@login_required
def change_detail(request, slug, reference):
    provider = provider_for(request.user, slug)
    notice = _notice(provider, reference)
    editable = provider.may_write and notice.status == ChangeStatus.DRAFT
    data = request.POST if request.method == "POST" else None
    if data is not None and not editable:
        raise PermissionDenied
    forms = {}
    if editable:
        forms = (_service_forms if notice.service_id else _provider_forms)(notice, data)
        if data is not None and _save_proposal(request, notice, forms):
            return redirect("portal:change-notice", provider.slug, notice.reference)
    context = {
        "provider": provider,
        "notice": notice,
        "editable": editable,
        "forms": forms,
        "filing": FilingForm(initial={"effective_on": notice.effective_on}) if editable else None,
        "difference": readable_difference(notice),
        "checks": change_checks(notice),
        "withdrawable": provider.may_write and notice.status in change_rules.WITHDRAWABLE,
        "documents": notice.documents.order_by("title", "-version"),
        "document_form": NoticeDocumentForm() if provider.may_write and notice.status in changes.DOCUMENTED else None,
    }
    return render(request, "portal/change_detail.html", context)


@login_required
@require_POST
def change_file(request, slug, reference):
    provider = provider_for(request.user, slug, *WRITERS)
    notice = _notice(provider, reference)
    form = FilingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say the kind, the type, the effective date and what changes, then file."))
        return redirect("portal:change-notice", provider.slug, notice.reference)
    try:
        notice = changes.notice_file(notice=notice, by=request.user, **form.cleaned_data)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Change notice %(ref)s filed with the agency.") % {"ref": notice.reference})
        if notice.late:
            messages.warning(request, _("Filed late: more than one month after the change took effect (19.6.f)."))
    return redirect("portal:change-notice", provider.slug, notice.reference)


@login_required
@require_POST
def change_withdraw(request, slug, reference):
    provider = provider_for(request.user, slug, *WRITERS)
    notice = _notice(provider, reference)
    try:
        changes.notice_withdraw(notice=notice, by=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Change notice withdrawn."))
    return redirect("portal:change-notice", provider.slug, notice.reference)


@login_required
@require_POST
def change_document(request, slug, reference):
    """A supporting document of the notice, uploaded by an owner or editor before the agency decides."""
    provider = provider_for(request.user, slug, *WRITERS)
    notice = _notice(provider, reference)
    form = NoticeDocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file and give it a title."))
    else:
        try:
            document = changes.notice_document_add(notice=notice, by=request.user, **form.cleaned_data)
        except Refused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Document “%(title)s” added.") % {"title": document.title})
    return redirect("portal:change-notice", provider.slug, notice.reference)
