"""A dossier's documents in the portal: the list with versions, the upload, and the only way a file leaves storage.

Files live in private storage under random names; nothing serves them but `document_download`, which answers 404 to
anyone who is neither a member of the document's provider nor on the agency's staff.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from registry.accounts.permissions import actor_for
from registry.catalogue.models import Requirement
from registry.portal.dossier_context import finish, frame, member_dossier, require_writer
from registry.portal.forms.dossiers import DocumentForm
from registry.qualification.files import audited_document_response, document_response
from registry.qualification.models import Document
from registry.qualification.services import answers
from registry.qualification.services.documents import document_add
from registry.qualification.workflow import Refused


def _versions(documents):
    """Group every version into (current, [older versions, newest first]), in the order given."""
    by_pk = {d.pk: d for d in documents}
    superseded = {d.previous_id for d in documents if d.previous_id}
    groups = []
    for document in documents:
        if document.pk in superseded:
            continue
        older, link = [], document.previous_id
        while link and link in by_pk:
            older.append(by_pk[link])
            link = by_pk[link].previous_id
        groups.append((document, older))
    return groups


def _for_requirement(dossier, pk):
    """The requirement named by the upload's `for` (a requirement of the dossier that applies to its service), or None."""
    if not str(pk or "").isdigit():
        return None
    requirement = (
        Requirement.objects.filter(pk=int(pk), scheme_id=dossier.scheme_id, parent__isnull=False)
        .select_related("parent")
        .first()
    )
    if requirement is None or not requirement.applies_to(dossier.service.service_model):
        return None
    return requirement


def _requirement_url(dossier, requirement) -> str:
    chapter = reverse("portal:dossier-assessment", args=[dossier.reference, requirement.parent.ref])
    return f"{chapter}#req-{requirement.pk}"


@login_required
def dossier_documents(request, reference):
    dossier = member_dossier(request.user, reference)
    context = frame(request, dossier, active="documents")
    documents_url = reverse("portal:dossier-documents", args=[dossier.reference])
    if request.method == "POST":
        require_writer(dossier)
        if not context["may_edit"]:  # the page shows no form then: say why above it
            messages.error(request, context["edit_refusal"])
            return finish(request, documents_url)
    initial = {key: request.GET[key] for key in ("kind", "title") if request.GET.get(key)}
    # Evidence for one requirement ("Upload evidence" beside it): cited in its answer, then back to the requirement.
    for_requirement = _for_requirement(dossier, request.POST.get("for") or request.GET.get("for"))
    if for_requirement is not None and not initial:
        initial = {"kind": Document.Kind.EVIDENCE, "title": str(for_requirement)[:200]}
    form = DocumentForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            document = document_add(
                dossier=dossier,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                uploaded=form.cleaned_data["file"],
                by=request.user,
            )
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            done = {"title": document.title, "version": document.version}
            if for_requirement is None:
                messages.success(request, _("“%(title)s” uploaded (version %(version)d).") % done)
                return finish(request, documents_url)
            try:
                answers.evidence_cite(dossier=dossier, requirement=for_requirement, document=document, by=request.user)
            except Refused as exc:
                messages.success(request, _("“%(title)s” uploaded (version %(version)d).") % done)
                messages.error(request, str(exc))
            else:
                messages.success(
                    request,
                    _("“%(title)s” uploaded (version %(version)d) and cited in the answer to %(ref)s.")
                    % {**done, "ref": for_requirement.ref},
                )
            return finish(request, _requirement_url(dossier, for_requirement))
    documents = list(
        dossier.documents.of_instruction().select_related("uploaded_by").order_by("kind", "title", "-version")
    )
    groups = _versions(documents)
    context.update(
        {
            "form": form,
            "groups": groups,
            "titles": sorted({d.title for d, _older in groups}),
            "for_requirement": for_requirement,
            "for_requirement_url": for_requirement and _requirement_url(dossier, for_requirement),
        }
    )
    return render(request, "portal/dossier_documents.html", context)


@login_required
def document_download(request, pk):
    document = Document.objects.select_related("dossier__service").filter(pk=pk).first()
    if document is None:
        raise Http404("No such document.")
    actor = actor_for(request.user)
    # The agency's staff read every dossier's evidence; a provider's members read their own; everyone else: 404.
    if not actor.groups and actor.provider_role(document.dossier.service.provider_id) is None:
        raise Http404("No such document.")
    if actor.groups:  # the agency reading a provider's evidence is audited (members reading their own are not)
        return audited_document_response(request, document)
    return document_response(document)
