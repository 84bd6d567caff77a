"""The dossier pages of the provider portal. Thin views: forms validate, the qualification services write, the workflow decides.

Members of the dossier's provider see every page; owners and editors write while the dossier is in their hands (draft,
changes requested); viewers read (403 on a write). Anyone else, the agency included, gets 404: the agency has its own
workspace in /admin/. Documents are served by registry.portal.views.documents.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.accounts.permissions import actor_for, provider_for
from registry.catalogue.models import Scheme
from registry.catalogue.selectors import current_scheme
from registry.certificates.choices import LIVE_CERTIFICATE_STATUSES
from registry.certificates.models import Certificate
from registry.portal.dossier_context import finish, frame, member_dossier, require_writer, timeline
from registry.portal.forms.dossiers import (
    DeclarationForm,
    DossierNewForm,
    MessageForm,
    SubmitForm,
    WithdrawForm,
)
from registry.providers.models import Membership, Service, Site
from registry.providers.rules import WRITERS
from registry.qualification import sovereignty, workflow
from registry.qualification.choices import CLOSED_DOSSIER_STATUSES
from registry.qualification.models import Document, Dossier
from registry.qualification.services import answers
from registry.qualification.services import dossiers as svc
from registry.qualification.workflow import Refused


@login_required
def dossier_new(request, service_slug):
    service = (
        Service.objects.filter(slug=service_slug, provider__memberships__user=request.user)
        .select_related("provider")
        .first()
    )
    if service is None:
        raise Http404("No such service.")
    provider = provider_for(request.user, service.provider.slug, *WRITERS)
    certificates = Certificate.objects.filter(service=service, status__in=LIVE_CERTIFICATE_STATUSES).select_related(
        "scheme"
    )
    scheme = current_scheme()
    form = DossierNewForm(
        request.POST or None,
        schemes=Scheme.objects.filter(active=True),
        certificates=certificates,
        initial={"scheme": scheme.pk if scheme else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            dossier = svc.dossier_create(by=request.user, service=service, **form.cleaned_data)
        except Refused as exc:
            form.add_error("scheme", str(exc))
        else:
            messages.success(
                request,
                _("Dossier %(reference)s opened. Work through the steps below.") % {"reference": dossier.reference},
            )
            return redirect("portal:dossier", dossier.reference)
    in_progress = service.dossiers.exclude(status__in=CLOSED_DOSSIER_STATUSES).select_related("scheme")
    context = {"provider": provider, "service": service, "form": form, "in_progress": in_progress}
    return render(request, "portal/dossier_new.html", context)


@login_required
def dossier_detail(request, reference):
    dossier = member_dossier(request.user, reference)
    context = frame(request, dossier, active="overview")
    progress = context["progress"]
    actor = actor_for(request.user)
    results = sovereignty.evaluate(dossier)
    unanswered = []
    if context["may_edit"]:
        # The workflow's own list of what blocks a submission, each item linked to the page that fixes it.
        facts = svc.gather_facts(dossier)
        missing = set(facts.unanswered)
        unanswered = [(c, [r for r in c.requirements if r.ref in missing]) for c in progress.chapters]
        unanswered = [(c, refs) for c, refs in unanswered if refs]
        context["facts"] = facts
    moves = {m.action for m in workflow.available_actions(actor, dossier, agency=False)}
    context.update(
        {
            "results": results,
            "warnings": [r for r in results if not r.passed],
            "unanswered": unanswered,
            "submit_action": "resubmit" if dossier.status == Dossier.Status.CHANGES_REQUESTED else "submit",
            "may_submit": bool(moves & {"submit", "resubmit"}),
            "may_withdraw": "withdraw" in moves,
            "submit_form": SubmitForm(),
            "timeline": timeline(dossier),
            "message_count": dossier.messages.filter(internal=False).count(),
        }
    )
    return render(request, "portal/dossier_detail.html", context)


SECTIONS = ("scope", "locations", "ownership")


@login_required
def dossier_section(request, reference, section):
    if section not in SECTIONS:
        raise Http404("No such section.")
    dossier = member_dossier(request.user, reference)
    context = frame(request, dossier, active=section)
    service, provider = dossier.service, dossier.service.provider
    if section == "locations":
        sites = list(service.sites.order_by("role", "country", "city"))
        context["sites_by_role"] = [(label, [s for s in sites if s.role == role]) for role, label in Site.Role.choices]
        context["results"] = sovereignty.check_sites(sites)
    elif section == "ownership":
        holders = list(provider.shareholders.order_by("-capital_percent", "name"))
        third_parties = list(service.third_parties.select_related("relies_on_service"))
        context["holders"] = holders
        context["third_parties"] = third_parties
        context["results"] = [
            sovereignty.check_locations(provider),
            *sovereignty.check_ownership(provider, dossier.scheme, holders),
            *sovereignty.check_third_parties(third_parties),
        ]
    return render(request, f"portal/dossier_section_{section}.html", context)


@login_required
def dossier_declaration(request, reference):
    dossier = member_dossier(request.user, reference)
    context = frame(request, dossier, active="declaration")
    form = DeclarationForm(
        request.POST or None,
        initial={
            "listed_in_process_consent": dossier.listed_in_process_consent,
            # The last signatory's words, else the account's own name: the signatory is often the one signing in.
            "signatory_name": dossier.declared_by_name or request.user.get_full_name(),
            "signatory_capacity": dossier.declared_by_capacity,
        },
    )
    if request.method == "POST":
        require_writer(dossier)
        if form.is_valid():
            data = form.cleaned_data
            try:
                svc.dossier_declare(
                    dossier=dossier,
                    by=request.user,
                    signatory_name=data["signatory_name"],
                    signatory_capacity=data["signatory_capacity"],
                    listed_in_process_consent=data["listed_in_process_consent"],
                )
            except Refused as exc:
                messages.error(request, str(exc))
                return redirect("portal:dossier-declaration", dossier.reference)
            messages.success(request, _("Declaration signed."))
            # The next task: the submission, at the end of the overview.
            return redirect(reverse("portal:dossier", args=[dossier.reference]) + "#submission")
    context["form"] = form
    return render(request, "portal/dossier_declaration.html", context)


@login_required
@require_POST
def dossier_submit(request, reference):
    dossier = member_dossier(request.user, reference)
    require_writer(dossier)
    form = SubmitForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    move = svc.dossier_resubmit if dossier.status == Dossier.Status.CHANGES_REQUESTED else svc.dossier_submit
    url = reverse("portal:dossier", args=[dossier.reference])
    resubmission = move is svc.dossier_resubmit
    try:
        move(dossier=dossier, by=request.user, comment=comment)
    except Refused as exc:
        messages.error(request, _("The dossier was not submitted. %(reason)s") % {"reason": exc})
        return redirect(url + "#submission")
    if resubmission:
        done = _(
            "Dossier %(reference)s resubmitted. It went straight back to the reviewer who requested the changes; "
            "you will hear from them here."
        )
    else:
        done = _(
            "Dossier %(reference)s submitted. The agency's reviewers have been told; you will hear from them here."
        )
    messages.success(request, done % {"reference": dossier.reference})
    return redirect(url)


@login_required
def dossier_withdraw(request, reference):
    dossier = member_dossier(request.user, reference)
    actor = actor_for(request.user)
    refusal = workflow.person_refusal(actor, dossier, "withdraw")
    if refusal:
        raise PermissionDenied(refusal)
    allowed, reason = workflow.can(actor, dossier, "withdraw")
    form = WithdrawForm(request.POST or None)
    if request.method == "POST":
        if not allowed:
            messages.error(request, reason)
            return redirect("portal:dossier", dossier.reference)
        if form.is_valid():
            try:
                svc.dossier_withdraw(dossier=dossier, by=request.user, comment=form.cleaned_data["comment"])
            except Refused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Dossier %(reference)s withdrawn.") % {"reference": dossier.reference})
            return redirect("portal:dossier", dossier.reference)
    context = frame(request, dossier, active="overview")
    context.update({"form": form, "allowed": allowed, "reason": reason})
    return render(request, "portal/dossier_withdraw.html", context)


@login_required
def dossier_messages(request, reference):
    dossier = member_dossier(request.user, reference)
    context = frame(request, dossier, active="messages")
    provider = dossier.service.provider
    form = None
    if context["may_write"]:
        documents = {
            d.pk: d
            for d in svc.current_documents(dossier)
            .only("pk", "dossier_id", "kind", "title", "version")
            .order_by("kind", "title")
        }
        form = MessageForm(
            request.POST or None, request.FILES or None, documents=documents, can_upload=context["may_edit"]
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                _("Viewers read the dialogue; ask an owner or editor of your organisation to write.")
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                answers.reply_post(
                    dossier=dossier,
                    by=request.user,
                    body=data["body"],
                    attachments=data["attachments"],
                    kind=data.get("kind") or "",
                    title=data.get("title") or "",
                    uploaded=data.get("file") or None,
                )
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Message sent to the agency."))
                return finish(request, reverse("portal:dossier-message", args=[dossier.reference]))
    thread = (
        dossier.messages.filter(internal=False)
        .select_related("author")
        .prefetch_related(
            Prefetch("attachments", queryset=Document.objects.only("pk", "title", "version", "original_name"))
        )
        .order_by("created_at", "pk")
    )
    members = set(Membership.objects.filter(provider=provider).values_list("user_id", flat=True))
    context.update({"thread": thread, "members": members, "form": form})
    return render(request, "portal/dossier_messages.html", context)
