"""The self-assessment in and out of the portal as an OSCAL component definition (registry.qualification.oscal_components).

Export: any member of the dossier's provider downloads the answers. Import: an owner or editor, while the dossier is in
their hands (rules.content_edit_refusal, as for any answer), uploads a component definition; the preview says what would
change and what does not map, and writes nothing; the confirmation saves the mapped answers
(registry.qualification.services.answers_import) and leads to the report, the import's event. Between the preview and
the confirmation, what was read from the file travels in a hidden field, signed and compressed
(registry.portal.forms.oscal): nothing is kept on the server for an import that is never confirmed.

A viewer gets 403 on the writes, anyone not a member of the provider (the agency included) 404.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from registry.accounts.permissions import actor_for
from registry.portal.dossier_context import frame, member_dossier, require_writer
from registry.portal.forms.oscal import OscalConfirmForm, OscalImportForm, sign_entries
from registry.qualification import oscal_components, rules
from registry.qualification.models import Answer, DossierEvent
from registry.qualification.services.answers_import import IMPORT_ACTION, answers_import
from registry.qualification.workflow import Refused


@login_required
@require_safe
def dossier_oscal_export(request, reference):
    dossier = member_dossier(request.user, reference)
    answers = (
        Answer.objects.filter(dossier=dossier)
        .exclude(status="")
        .select_related("requirement")
        .order_by("requirement__position", "pk")
    )
    document = oscal_components.component_definition(dossier, answers, now=timezone.now())
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{dossier.reference}-component-definition.json"'
    return response


def _page(request, dossier, form, *, status=200, errors=()):
    context = frame(request, dossier, active="assessment")
    context.update({"form": form, "preview_errors": list(errors)})
    return render(request, "portal/dossier_oscal_import.html", context, status=status)


@login_required
def dossier_oscal_import(request, reference):
    """GET: the upload form. POST: the file read and planned against the dossier, shown as a preview to confirm."""
    dossier = member_dossier(request.user, reference)
    if request.method != "POST":
        return _page(request, dossier, OscalImportForm(dossier=dossier))
    require_writer(dossier)
    refusal = rules.content_edit_refusal(actor_for(request.user), dossier)
    if refusal:
        messages.error(request, refusal)
        return redirect("portal:dossier-oscal-import", dossier.reference)
    form = OscalImportForm(request.POST, request.FILES, dossier=dossier)
    if not form.is_valid():
        return _page(request, dossier, form, status=400)
    file_name = form.cleaned_data["document"].name
    result = oscal_components.plan(dossier, form.entries)
    context = frame(request, dossier, active="assessment")
    context.update(
        {
            "plan": result,
            "file_name": file_name,
            "confirm_form": OscalConfirmForm(
                initial={
                    "preview": sign_entries(form.entries, dossier=dossier, user=request.user, file_name=file_name)
                },
                dossier=dossier,
                user=request.user,
            ),
            "voids_declaration": bool(result.changed)
            and rules.change_voids_declaration(actor_for(request.user), dossier),
        }
    )
    return render(request, "portal/dossier_oscal_preview.html", context)


@login_required
@require_POST
def dossier_oscal_import_confirm(request, reference):
    dossier = member_dossier(request.user, reference)
    require_writer(dossier)
    form = OscalConfirmForm(request.POST, dossier=dossier, user=request.user)
    if not form.is_valid():
        # A tampered, foreign or expired preview: nothing is written, the upload starts again with the reason.
        errors = form.errors.get("preview") or [_("The preview is missing: upload the file again.")]
        return _page(request, dossier, OscalImportForm(dossier=dossier), status=400, errors=errors)
    try:
        event = answers_import(dossier=dossier, by=request.user, entries=form.entries, file_name=form.file_name)
    except Refused as exc:
        messages.error(request, str(exc))
        return redirect("portal:dossier", dossier.reference)
    detail = event.detail
    messages.success(
        request,
        ngettext(
            "%(count)d answer imported from the OSCAL file.",
            "%(count)d answers imported from the OSCAL file.",
            detail["mapped"],
        )
        % {"count": detail["mapped"]},
    )
    return redirect("portal:dossier-oscal-import-report", dossier.reference, event.pk)


@login_required
@require_safe
def dossier_oscal_import_report(request, reference, event):
    """What an import did (its event's detail): how many answers it saved, and what did not map and why."""
    dossier = member_dossier(request.user, reference)
    found = DossierEvent.objects.filter(pk=event, dossier=dossier, action=IMPORT_ACTION).select_related("actor").first()
    if found is None:
        raise Http404("No such import.")
    detail = found.detail
    unmapped = [
        {"control_id": line["control_id"], "reason": str(oscal_components.REASONS.get(line["reason"], line["reason"]))}
        for line in detail.get("unmapped", [])
    ]
    context = frame(request, dossier, active="assessment")
    context.update(
        {
            "event": found,
            "detail": detail,
            "unmapped": unmapped,
            "unlisted": detail.get("unmapped_count", 0) - len(unmapped),
            "import_url": reverse("portal:dossier-oscal-import", args=[dossier.reference]),
        }
    )
    return render(request, "portal/dossier_oscal_report.html", context)
