"""An organisation's security incidents in the portal: the list, the declaration and each incident's timeline.

Members of the provider read them; owners and editors declare and report (viewers get 403 on a write); anyone else,
the agency and other providers included, gets 404: the agency reads incidents in its own workspace. Nothing here is
public, and no public page, export or API links to it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for, provider_for
from registry.certificates import incident_rules
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES, IncidentStage
from registry.certificates.incidents import incident_declare, incident_report
from registry.certificates.models import Certificate, Incident
from registry.portal.forms.incidents import IncidentDeclareForm, IncidentReportForm
from registry.providers.rules import WRITERS
from registry.qualification.workflow import Refused


def open_first(incidents):
    """Open incidents before closed ones, the latest report first within each."""
    closed = Case(When(stage=IncidentStage.FINAL, then=Value(1)), default=Value(0), output_field=IntegerField())
    return incidents.annotate(closed=closed).order_by("closed", "-updated_at", "-pk")


@login_required
def incident_list(request, slug):
    provider = provider_for(request.user, slug)  # 404 to anyone who is not a member
    incidents = open_first(provider.incidents.select_related("service", "certificate"))
    context = {"provider": provider, "incidents": incidents}
    return render(request, "portal/incident_list.html", context)


@login_required
def incident_new(request, slug):
    provider = provider_for(request.user, slug, *WRITERS)
    certificates = (
        Certificate.objects.filter(service__provider=provider, status__in=LIVE_CERTIFICATE_STATUSES)
        .select_related("service", "scheme")
        .order_by("service__name", "number")
    )
    form = IncidentDeclareForm(request.POST or None, request.FILES or None, certificates=certificates)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = incident_declare(
                certificate=data["certificate"],
                by=request.user,
                title=data["title"],
                detected_at=data["detected_at"],
                started_at=data["started_at"],
                impact=data["impact"],
                customer_data_affected=data["customer_data_affected"],
                sovereignty_affected=data["sovereignty_affected"],
                body=data["body"],
                documents=form.documents(),
            )
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Incident %(reference)s declared. The agency has been told.") % {"reference": incident.reference},
            )
            return redirect("portal:incident", provider.slug, incident.reference)
    context = {"provider": provider, "form": form, "has_certificates": certificates.exists()}
    return render(request, "portal/incident_new.html", context)


@login_required
def incident_detail(request, slug, reference):
    provider = provider_for(request.user, slug)
    incident = (
        Incident.objects.filter(provider=provider, reference=reference)
        .select_related("service", "certificate__scheme", "created_by")
        .first()
    )
    if incident is None:
        raise Http404(_("No incident has this reference."))
    actor = actor_for(request.user)
    may_write = incident_rules.may_write(actor, provider.pk)
    if request.method == "POST":
        refusal = incident_rules.report_refusal(actor, incident)
        if not may_write:
            raise PermissionDenied(refusal)
        if refusal:  # closed meanwhile: the page shows no form any more, say why above it
            messages.error(request, refusal)
            return redirect("portal:incident", provider.slug, incident.reference)
    form = None
    if may_write and incident_rules.is_open(incident):
        form = IncidentReportForm(request.POST or None, request.FILES or None, incident=incident)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update = incident_report(
                incident=incident,
                by=request.user,
                stage=data["stage"],
                body=data["body"],
                ended_at=data["ended_at"],
                documents=form.documents(),
                **form.restated(),
            )
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("%(stage)s filed. The agency has been told.") % {"stage": update.get_stage_display()},
            )
            return redirect("portal:incident", provider.slug, incident.reference)
    context = {
        "provider": provider,
        "incident": incident,
        "timeline": incident.updates.select_related("author"),
        "documents": incident.documents.select_related("uploaded_by").order_by("title", "-version"),
        "form": form,
        "closed": not incident_rules.is_open(incident),
    }
    return render(request, "portal/incident_detail.html", context)
